using System.Security.Cryptography;

namespace Ots.Crypto.Tests;

public class SecretCipherTests
{
    private static readonly byte[] s_key = Convert.FromHexString("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
    private static readonly byte[] s_id = Convert.FromHexString("A0A1A2A3A4A5A6A7A8A9AAABACADAEAF");
    private static readonly byte[] s_nonce = Convert.FromHexString("CAFEBABEFACEDBADDECAF888");

    // Computed once outside .NET (Python `cryptography` AESGCM over OpenSSL): 01 ‖ nonce ‖ ciphertext ‖ tag, AAD 01 ‖ id.
    private const string KnownRecord =
        "01" + "CAFEBABEFACEDBADDECAF888" + "EBD7D447C9116F7A322B39BC0C73" + "509AC1780624288EEECD07E65A31D609";

    [Fact]
    public void Constants_and_lengths()
    {
        Assert.Equal(29, SecretCipher.Overhead);
        Assert.Equal(29, SecretCipher.GetRecordLength(0));
        Assert.Equal(1029, SecretCipher.GetRecordLength(1000));
        Assert.Equal(1000, SecretCipher.GetPlaintextLength(1029));
        Assert.Equal(0, SecretCipher.GetPlaintextLength(29));
        Assert.Equal(-1, SecretCipher.GetPlaintextLength(28));
        Assert.Equal(-29, SecretCipher.GetPlaintextLength(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecretCipher.GetRecordLength(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecretCipher.GetRecordLength(int.MaxValue - 28));
        Assert.Equal(int.MaxValue, SecretCipher.GetRecordLength(int.MaxValue - 29));
        Assert.Throws<ArgumentOutOfRangeException>(() => SecretCipher.GetPlaintextLength(-1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(128 * 1024)]
    public void Seal_then_TryOpen_round_trips(int length)
    {
        byte[] plaintext = KeyDerivationTests.Pattern(length, 42);
        byte[] record = Seal(plaintext);

        Assert.Equal(length + SecretCipher.Overhead, record.Length);
        Assert.Equal(SecretCipher.FormatVersion, record[0]);
        if (length >= 16)
        {
            // Not a copy: the plaintext does not appear in the record.
            Assert.False(record.AsSpan().IndexOf(plaintext.AsSpan(0, 16)) >= 0);
        }

        var opened = new byte[SecretCipher.GetPlaintextLength(record.Length)];
        Assert.True(SecretCipher.TryOpen(s_key, s_id, record, opened));
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Known_answer()
    {
        var record = new byte[SecretCipher.GetRecordLength(14)];
        SecretCipher.Seal(s_key, s_id, s_nonce, "attack at dawn"u8, record);
        Assert.Equal(KnownRecord, Convert.ToHexString(record));

        var opened = new byte[14];
        Assert.True(SecretCipher.TryOpen(s_key, s_id, Convert.FromHexString(KnownRecord), opened));
        Assert.Equal("attack at dawn"u8.ToArray(), opened);
    }

    [Fact]
    public void Known_answer_matches_AesGcm_with_the_documented_layout()
    {
        byte[] plaintext = "attack at dawn"u8.ToArray();
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[16];
        byte[] aad = [1, .. s_id];
        using (var aes = new AesGcm(s_key, 16))
        {
            aes.Encrypt(s_nonce, plaintext, ciphertext, tag, aad);
        }

        var record = new byte[SecretCipher.GetRecordLength(plaintext.Length)];
        SecretCipher.Seal(s_key, s_id, s_nonce, plaintext, record);
        Assert.Equal(1, record[0]);
        Assert.Equal(s_nonce, record[1..13]);
        Assert.Equal(ciphertext, record[13..^16]);
        Assert.Equal(tag, record[^16..]);
    }

    [Fact]
    public void A_flipped_bit_anywhere_fails()
    {
        byte[] record = Seal("hello"u8.ToArray());
        var plaintext = new byte[5];
        for (int bit = 0; bit < record.Length * 8; bit++)
        {
            byte[] tampered = (byte[])record.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            plaintext.AsSpan().Fill(0xAA);
            Assert.False(SecretCipher.TryOpen(s_key, s_id, tampered, plaintext), $"bit {bit}");
            AssertAllZero(plaintext);
        }

        Assert.True(SecretCipher.TryOpen(s_key, s_id, record, plaintext));
    }

    [Fact]
    public void Wrong_key_fails()
    {
        byte[] record = Seal("hello"u8.ToArray());
        for (int i = 0; i < s_key.Length; i++)
        {
            byte[] key = (byte[])s_key.Clone();
            key[i] ^= 0x80;
            AssertOpenFails(key, s_id, record, 5);
        }
    }

    [Fact]
    public void Wrong_id_fails()
    {
        // The id is only in the AAD: this is what stops a record being copied under another secret's id.
        byte[] record = Seal("hello"u8.ToArray());
        for (int i = 0; i < s_id.Length; i++)
        {
            byte[] id = (byte[])s_id.Clone();
            id[i] ^= 1;
            AssertOpenFails(s_key, id, record, 5);
        }
    }

    [Fact]
    public void Truncated_or_extended_record_fails()
    {
        byte[] record = Seal("hello world"u8.ToArray());
        for (int length = 0; length < record.Length; length++)
        {
            byte[] truncated = record[..length];

            // With the buffer sized for the original record: a length mismatch.
            AssertOpenFails(s_key, s_id, truncated, 11);

            // With the buffer sized for the truncated record: too short, or an authentication failure.
            AssertOpenFails(s_key, s_id, truncated, Math.Max(0, SecretCipher.GetPlaintextLength(length)));
        }

        byte[] extended = [.. record, 0];
        AssertOpenFails(s_key, s_id, extended, 11);
        AssertOpenFails(s_key, s_id, extended, 12);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(255)]
    public void Other_format_version_fails(byte version)
    {
        // Only the version byte changed: fails (the version is in the AAD as well).
        byte[] record = Seal("hello"u8.ToArray());
        record[0] = version;
        AssertOpenFails(s_key, s_id, record, 5);

        // A record that is authentic under that version (AAD = version ‖ id) is still not read as version 1.
        var authentic = new byte[record.Length];
        authentic[0] = version;
        s_nonce.CopyTo(authentic, 1);
        byte[] aad = [version, .. s_id];
        using (var aes = new AesGcm(s_key, 16))
        {
            aes.Encrypt(s_nonce, "hello"u8, authentic.AsSpan(13, 5), authentic.AsSpan(18, 16), aad);
        }

        AssertOpenFails(s_key, s_id, authentic, 5);
    }

    [Fact]
    public void Two_seals_of_the_same_input_differ()
    {
        byte[] plaintext = "same secret"u8.ToArray();
        byte[] first = Seal(plaintext);
        byte[] second = Seal(plaintext);
        Assert.NotEqual(first[1..13], second[1..13]);
        Assert.NotEqual(first, second);

        var opened = new byte[plaintext.Length];
        Assert.True(SecretCipher.TryOpen(s_key, s_id, second, opened));
        Assert.Equal(plaintext, opened);
    }

    [Fact]
    public void Wrong_buffer_lengths_throw()
    {
        byte[] plaintext = new byte[3];
        byte[] record = new byte[SecretCipher.GetRecordLength(3)];
        Assert.Throws<ArgumentException>("aesKey", () => SecretCipher.Seal(new byte[16], s_id, plaintext, record));
        Assert.Throws<ArgumentException>("aesKey", () => SecretCipher.Seal(new byte[33], s_id, plaintext, record));
        Assert.Throws<ArgumentException>("id", () => SecretCipher.Seal(s_key, new byte[15], plaintext, record));
        Assert.Throws<ArgumentException>("record", () => SecretCipher.Seal(s_key, s_id, plaintext, new byte[record.Length - 1]));
        Assert.Throws<ArgumentException>("record", () => SecretCipher.Seal(s_key, s_id, plaintext, new byte[record.Length + 1]));
        Assert.Throws<ArgumentException>("nonce", () => SecretCipher.Seal(s_key, s_id, new byte[11], plaintext, record));
        Assert.Throws<ArgumentException>("aesKey", () => SecretCipher.TryOpen(new byte[24], s_id, record, plaintext));
        Assert.Throws<ArgumentException>("id", () => SecretCipher.TryOpen(s_key, new byte[17], record, plaintext));
    }

    private static byte[] Seal(byte[] plaintext)
    {
        var record = new byte[SecretCipher.GetRecordLength(plaintext.Length)];
        SecretCipher.Seal(s_key, s_id, plaintext, record);
        return record;
    }

    private static void AssertOpenFails(byte[] key, byte[] id, byte[] record, int plaintextLength)
    {
        var plaintext = new byte[plaintextLength];
        plaintext.AsSpan().Fill(0xAA);
        Assert.False(SecretCipher.TryOpen(key, id, record, plaintext));
        AssertAllZero(plaintext);
    }

    private static void AssertAllZero(byte[] bytes) => Assert.True(Array.TrueForAll(bytes, b => b == 0), "plaintext not cleared");
}
