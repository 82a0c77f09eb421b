using System.Text;
using CsCheck;

namespace Ots.Crypto.Tests;

public class SecretKeyTests
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    // The key of raw bytes 0, 1, ..., 31: every position holds a different character.
    private static readonly byte[] s_validKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"u8.ToArray();

    [Fact]
    public void Constants_describe_the_format()
    {
        Assert.Equal(32, SecretKey.RawLength);
        Assert.Equal(SecretKey.RawLength, SecretKey.IdLength + SecretKey.KeyMaterialLength);
        Assert.Equal(SecretKey.EncodedLength, Convert.ToBase64String(new byte[SecretKey.RawLength]).TrimEnd('=').Length);
    }

    [Fact]
    public void Generate_gives_distinct_keys()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var raw = new byte[SecretKey.RawLength];
        for (int i = 0; i < 1000; i++)
        {
            SecretKey.Generate(raw);
            Assert.True(seen.Add(Convert.ToHexString(raw)));
        }
    }

    [Fact]
    public void Generate_fills_every_byte_position()
    {
        // A position that stayed zero in 64 keys in a row is broken (probability 2^-512 otherwise).
        var orAll = new byte[SecretKey.RawLength];
        var raw = new byte[SecretKey.RawLength];
        for (int i = 0; i < 64; i++)
        {
            SecretKey.Generate(raw);
            for (int j = 0; j < raw.Length; j++)
            {
                orAll[j] |= raw[j];
            }
        }

        Assert.DoesNotContain((byte)0, orAll);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(33)]
    public void Buffers_of_the_wrong_length_throw(int length)
    {
        var raw = new byte[length];
        var utf8 = new byte[SecretKey.EncodedLength];
        Assert.Throws<ArgumentException>("raw", () => SecretKey.Generate(raw));
        Assert.Throws<ArgumentException>("raw", () => SecretKey.Encode(raw, utf8));
        Assert.Throws<ArgumentException>("raw", () => SecretKey.TryDecode(s_validKey, raw));
    }

    [Fact]
    public void Encode_needs_room_for_the_whole_key_but_accepts_a_larger_buffer()
    {
        var raw = new byte[SecretKey.RawLength];
        Assert.Throws<ArgumentException>("utf8", () => SecretKey.Encode(raw, new byte[SecretKey.EncodedLength - 1]));

        var large = new byte[SecretKey.EncodedLength + 5];
        large.AsSpan().Fill((byte)'!');
        SecretKey.Encode(raw, large);
        Assert.Equal(new string('A', SecretKey.EncodedLength) + "!!!!!", Encoding.ASCII.GetString(large));
    }

    [Fact]
    public void Encode_known_answers()
    {
        Assert.Equal(new string('A', 43), EncodeToString(new byte[32]));
        // 256 one bits: 42 characters of 63, then 1111 and the two zero pad bits = 60 = '8'.
        Assert.Equal(new string('_', 42) + "8", EncodeToString(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        var counting = new byte[32];
        for (int i = 0; i < counting.Length; i++)
        {
            counting[i] = (byte)i;
        }

        Assert.Equal("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", EncodeToString(counting));
    }

    [Fact]
    public void Encode_and_TryDecode_round_trip()
    {
        Gen.Byte.Array[SecretKey.RawLength].Sample(raw =>
        {
            var utf8 = new byte[SecretKey.EncodedLength];
            SecretKey.Encode(raw, utf8);

            // Independent oracle: the framework's standard base64, translated to the URL alphabet, unpadded.
            string expected = Convert.ToBase64String(raw).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            Assert.Equal(expected, Encoding.ASCII.GetString(utf8));

            var decoded = new byte[SecretKey.RawLength];
            Assert.True(SecretKey.TryDecode(utf8, decoded));
            Assert.Equal(raw, decoded);
        }, iter: 2000);
    }

    [Fact]
    public void TryDecode_accepts_the_reference_key()
    {
        var raw = new byte[SecretKey.RawLength];
        Assert.True(SecretKey.TryDecode(s_validKey, raw));
        for (int i = 0; i < raw.Length; i++)
        {
            Assert.Equal((byte)i, raw[i]);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("A")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]    // 42
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]  // 44
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] // 45
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]  // 43 + padding
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]   // padding inside the length
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==")]
    [InlineData("+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]   // standard base64 alphabet
    [InlineData("AAAAAAAAAAAAAAAAAAAAA/AAAAAAAAAAAAAAAAAAAAA")]
    [InlineData(" AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]   // whitespace that a lenient decoder skips
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA\tAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAA\r\nAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB")]   // non-canonical: low 2 bits of the last char set
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAC")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA_")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D")]   // percent-encoded padding, 43 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAé")]    // non-ASCII: 42 chars, 43 UTF-8 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAＡ")]     // fullwidth A: 41 chars, 43 UTF-8 bytes
    public void TryDecode_rejects(string input)
    {
        AssertRejected(Encoding.UTF8.GetBytes(input));
    }

    [Theory]
    [InlineData(" ", "")]
    [InlineData("", " ")]
    [InlineData("", "\n")]
    [InlineData("\t", "")]
    [InlineData("", "\r\n")]
    [InlineData("", "=")]
    public void TryDecode_rejects_a_valid_key_with_whitespace_or_padding_around_it(string before, string after)
    {
        // The framework decoder skips whitespace and so still yields exactly 32 bytes from these.
        byte[] input = [.. Encoding.ASCII.GetBytes(before), .. s_validKey, .. Encoding.ASCII.GetBytes(after)];
        AssertRejected(input);
    }

    [Fact]
    public void TryDecode_rejects_raw_non_ASCII_and_control_bytes()
    {
        foreach (byte b in new byte[] { 0x00, 0x7F, 0x80, 0xC3, 0xFF })
        {
            var input = (byte[])s_validKey.Clone();
            input[10] = b;
            AssertRejected(input);
        }
    }

    [Fact]
    public void TryDecode_rejects_every_invalid_byte_at_every_position()
    {
        int rejected = 0;
        for (int position = 0; position < SecretKey.EncodedLength; position++)
        {
            for (int b = 0; b < 256; b++)
            {
                if (Alphabet.Contains((char)b, StringComparison.Ordinal))
                {
                    continue;
                }

                var input = (byte[])s_validKey.Clone();
                input[position] = (byte)b;
                AssertRejected(input);
                rejected++;
            }
        }

        Assert.Equal(SecretKey.EncodedLength * (256 - 64), rejected);
    }

    [Fact]
    public void TryDecode_accepts_exactly_the_canonical_last_characters()
    {
        // 43 characters carry 258 bits for 256: the last one has 2 unused low bits, which must be zero.
        var raw = new byte[SecretKey.RawLength];
        var accepted = new List<char>();
        for (int value = 0; value < 64; value++)
        {
            var input = (byte[])s_validKey.Clone();
            input[^1] = (byte)Alphabet[value];
            bool ok = SecretKey.TryDecode(input, raw);
            Assert.Equal((value & 3) == 0, ok);
            if (ok)
            {
                accepted.Add(Alphabet[value]);
                Assert.Equal((byte)(value >> 2), (byte)(raw[^1] & 0x0F));
            }
            else
            {
                Assert.All(raw, x => Assert.Equal(0, x));
            }
        }

        Assert.Equal("AEIMQUYcgkosw048", new string(accepted.ToArray()));
    }

    [Fact]
    public void TryDecode_accepts_every_valid_character_at_every_position_but_the_last()
    {
        var raw = new byte[SecretKey.RawLength];
        for (int position = 0; position < SecretKey.EncodedLength - 1; position++)
        {
            foreach (char c in Alphabet)
            {
                var input = (byte[])s_validKey.Clone();
                input[position] = (byte)c;
                Assert.True(SecretKey.TryDecode(input, raw));
            }
        }
    }

    private static void AssertRejected(byte[] input)
    {
        // Pre-filled, so that a failure which leaves partial output behind is seen.
        var raw = new byte[SecretKey.RawLength];
        raw.AsSpan().Fill(0xAA);
        Assert.False(SecretKey.TryDecode(input, raw));
        Assert.All(raw, b => Assert.Equal(0, b));
    }

    private static string EncodeToString(byte[] raw)
    {
        var utf8 = new byte[SecretKey.EncodedLength];
        SecretKey.Encode(raw, utf8);
        return Encoding.ASCII.GetString(utf8);
    }
}
