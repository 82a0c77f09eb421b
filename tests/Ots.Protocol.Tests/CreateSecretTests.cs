using System.Buffers;
using System.Text;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary><c>POST /generate</c> bodies against every field rule of DESIGN §1, whole, split at every offset and one byte per segment.</summary>
public class CreateSecretTests
{
    private const long Week = TtlPolicy.SevenDaysMilliseconds;

    /// <summary>A body and what it must read as; <see cref="Secret"/> and <see cref="Phrase"/> matter when accepted.</summary>
    public sealed record Body(string Json, CreateSecretError Error, string Secret = "", string Phrase = "", long Ttl = Week);

    private static Body Ok(string json, string secret, string phrase, long ttl = Week) => new(json, CreateSecretError.None, secret, phrase, ttl);

    private static Body Bad(string json, CreateSecretError error = CreateSecretError.ParametersRequired) => new(json, error);

    internal static readonly Dictionary<string, Body> Cases = new()
    {
        // Required fields; empty strings allowed.
        ["secret and phrase"] = Ok("""{"secret":"s3cr3t","phrase":"open sesame"}""", "s3cr3t", "open sesame"),
        ["phrase before secret"] = Ok("""{"phrase":"open sesame","secret":"s3cr3t"}""", "s3cr3t", "open sesame"),
        ["phrase before a longer escaped secret"] = Ok("""{"phrase":"\u00e9\u00e9","secret":"line1\nline2 \"q\" \\ \u00e9"}""", "line1\nline2 \"q\" \\ é", "éé"),
        ["phrase, ttl, then secret"] = Ok("""{"phrase":"pp","ttl":{"hours":1},"x":[1],"secret":"sss"}""", "sss", "pp", 3_600_000),
        ["empty secret and phrase"] = Ok("""{"secret":"","phrase":""}""", "", ""),
        ["empty secret"] = Ok("""{"secret":"","phrase":"p"}""", "", "p"),
        ["empty phrase first"] = Ok("""{"phrase":"","secret":"s"}""", "s", ""),
        ["empty phrase after"] = Ok("""{"secret":"s","phrase":""}""", "s", ""),
        ["whitespace everywhere"] = Ok(" \t\r\n{ \"secret\" :\t\"s\" ,\r\n \"phrase\" : \"p\" } \r\n", "s", "p"),
        ["missing phrase"] = Bad("""{"secret":"s"}"""),
        ["missing secret"] = Bad("""{"phrase":"p"}"""),
        ["empty object"] = Bad("{}"),
        ["names are case-sensitive"] = Bad("""{"Secret":"s","PHRASE":"p"}"""),

        // Non-string values.
        ["secret a number"] = Bad("""{"secret":1,"phrase":"p"}"""),
        ["secret null"] = Bad("""{"secret":null,"phrase":"p"}"""),
        ["secret true"] = Bad("""{"secret":true,"phrase":"p"}"""),
        ["secret an array"] = Bad("""{"secret":["s"],"phrase":"p"}"""),
        ["secret an object"] = Bad("""{"secret":{"v":"s"},"phrase":"p"}"""),
        ["phrase a number"] = Bad("""{"secret":"s","phrase":123}"""),
        ["phrase null"] = Bad("""{"secret":"s","phrase":null}"""),
        ["phrase false"] = Bad("""{"phrase":false,"secret":"s"}"""),

        // Not an object.
        ["array"] = Bad("""[{"secret":"s","phrase":"p"}]"""),
        ["string"] = Bad("\"s\""),
        ["number"] = Bad("42"),
        ["null"] = Bad("null"),
        ["true"] = Bad("true"),
        ["empty body"] = Bad(""),
        ["whitespace body"] = Bad(" \r\n"),

        // Invalid JSON (RFC 8259, strictly).
        ["unterminated object"] = Bad("""{"secret":"s","phrase":"p" """),
        ["unterminated string"] = Bad("""{"secret":"s","phrase":"p}"""),
        ["missing comma"] = Bad("""{"secret":"s" "phrase":"p"}"""),
        ["unquoted name"] = Bad("""{secret:"s","phrase":"p"}"""),
        ["single quotes"] = Bad("""{'secret':'s','phrase':'p'}"""),
        ["invalid escape"] = Bad("""{"secret":"\x41","phrase":"p"}"""),
        ["raw control character in a string"] = Bad("{\"secret\":\"a\u0001b\",\"phrase\":\"p\"}"),
        ["raw newline in a string"] = Bad("{\"secret\":\"a\nb\",\"phrase\":\"p\"}"),
        ["trailing comma in the object"] = Bad("""{"secret":"s","phrase":"p",}"""),
        ["trailing comma in an unknown array"] = Bad("""{"secret":"s","phrase":"p","x":[1,]}"""),
        ["trailing comma in ttl"] = Bad("""{"secret":"s","phrase":"p","ttl":{"days":1,}}"""),
        ["block comment"] = Bad("""/* c */{"secret":"s","phrase":"p"}"""),
        ["line comment"] = Bad("{\"secret\":\"s\", // c\n\"phrase\":\"p\"}"),
        ["NaN"] = Bad("""{"secret":"s","phrase":"p","x":NaN}"""),
        ["Infinity"] = Bad("""{"secret":"s","phrase":"p","x":Infinity}"""),
        ["-Infinity in ttl"] = Bad("""{"secret":"s","phrase":"p","ttl":{"days":-Infinity}}"""),
        ["NaN in ttl"] = Bad("""{"secret":"s","phrase":"p","ttl":{"seconds":NaN}}"""),
        ["leading zero number"] = Bad("""{"secret":"s","phrase":"p","x":01}"""),
        ["second top-level object"] = Bad("""{"secret":"s","phrase":"p"}{}"""),
        ["second top-level number"] = Bad("""{"secret":"s","phrase":"p"} 1"""),
        ["garbage after the object"] = Bad("""{"secret":"s","phrase":"p"}x"""),
        ["closing brace twice"] = Bad("""{"secret":"s","phrase":"p"}}"""),

        // A known field given twice.
        ["secret twice"] = Bad("""{"secret":"a","phrase":"p","secret":"b"}"""),
        ["secret twice, identical"] = Bad("""{"secret":"a","secret":"a","phrase":"p"}"""),
        ["phrase twice"] = Bad("""{"phrase":"a","secret":"s","phrase":"b"}"""),
        ["ttl twice"] = Bad("""{"secret":"s","phrase":"p","ttl":null,"ttl":null}"""),
        ["secret twice, once escaped"] = Bad("""{"secret":"a","phrase":"p","\u0073ecret":"b"}"""),
        ["ttl member twice"] = Bad("""{"secret":"s","phrase":"p","ttl":{"days":1,"days":1}}"""),

        // Unknown fields, nested too, are ignored.
        ["unknown fields"] = Ok("""{"a":1,"secret":"s","b":[1,{"c":null,"secret":5}],"phrase":"p","d":{"phrase":{"e":[true,false]}}}""", "s", "p"),
        ["unknown field named like ours"] = Ok("""{"secrets":"x","secret":"s","phrase_":"y","phrase":"p","ttl2":[]}""", "s", "p"),

        // Escapes in names and values.
        ["escaped names"] = Ok("""{"\u0073ecret":"s","phr\u0061se":"p","\u0074\u0074\u006c":{"d\u0061ys":1}}""", "s", "p", 86_400_000),
        ["escapes decoded"] = Ok("""{"secret":"a\nb\tc\r\"d\\e\/f\b\f","phrase":"\u00e9\u4e2d"}""", "a\nb\tc\r\"d\\e/f\b\f", "é中"),
        ["NUL escape"] = Ok("""{"secret":"\u0000","phrase":"\u001f"}""", "\0", "\u001f"),
        ["surrogate pair escape"] = Ok("""{"secret":"\ud83d\ude00","phrase":"\uD834\uDD1E"}""", "😀", "𝄞"),
        ["raw UTF-8"] = Ok("""{"secret":"日本語 😀","phrase":"ñ"}""", "日本語 😀", "ñ"),
        ["escaped U+FFFF and U+FFFE"] = Ok("""{"secret":"\uffff","phrase":"\ufffe"}""", "\uffff", "\ufffe"),
        ["lone high surrogate"] = Bad("""{"secret":"\ud800","phrase":"p"}"""),
        ["lone low surrogate"] = Bad("""{"secret":"\udc00","phrase":"p"}"""),
        ["high surrogate then a letter"] = Bad("""{"secret":"\ud800A","phrase":"p"}"""),
        ["high surrogate then an escaped letter"] = Bad("""{"secret":"\ud800\u0041","phrase":"p"}"""),
        ["reversed surrogate pair"] = Bad("""{"secret":"\ude00\ud83d","phrase":"p"}"""),
        ["lone surrogate in the phrase"] = Bad("""{"secret":"s","phrase":"x\udfff"}"""),
        ["lone surrogate in the phrase first"] = Bad("""{"phrase":"\ud800","secret":"s"}"""),

        // ttl: absent, null or {} mean the default.
        ["ttl null"] = Ok("""{"secret":"s","phrase":"p","ttl":null}""", "s", "p"),
        ["ttl empty object"] = Ok("""{"secret":"s","phrase":"p","ttl":{}}""", "s", "p"),
    };

    public static TheoryData<string> Names => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Reads_whole_split_at_every_offset_and_one_byte_per_segment(string name)
    {
        var expected = Cases[name];
        AssertReads(Encoding.UTF8.GetBytes(expected.Json), expected, TtlPolicy.Default);
    }

    [Theory]
    [InlineData("FF")]
    [InlineData("C0 80")] // Overlong NUL.
    [InlineData("C3")] // Truncated two-byte sequence.
    [InlineData("E2 82")] // Truncated three-byte sequence.
    [InlineData("ED A0 80")] // A surrogate encoded as UTF-8.
    [InlineData("F4 90 80 80")] // Above U+10FFFF.
    [InlineData("80")] // Lone continuation byte.
    public void Invalid_UTF8_in_the_secret_or_the_phrase_is_400(string hex)
    {
        var bad = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        foreach (var (before, after) in new[] { ("{\"secret\":\"a", "b\",\"phrase\":\"p\"}"), ("{\"secret\":\"s\",\"phrase\":\"", "\"}"), ("{\"phrase\":\"", "\",\"secret\":\"s\"}") })
        {
            var body = Encoding.UTF8.GetBytes(before).Concat(bad).Concat(Encoding.UTF8.GetBytes(after)).ToArray();
            AssertReads(body, Bad("(invalid UTF-8 " + hex + ")"), TtlPolicy.Default);
        }
    }

    [Theory]
    [InlineData("FF")]
    [InlineData("ED A0 80")]
    [InlineData("C3")]
    public void Invalid_UTF8_anywhere_in_the_body_is_400(string hex)
    {
        // RFC 8259 §8.1: JSON text is UTF-8; DESIGN §1 makes invalid UTF-8 a 400 wherever it is, ignored fields included.
        var bad = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        foreach (var (before, after) in new[]
        {
            ("{\"secret\":\"s\",\"phrase\":\"p\",\"x\":\"", "\"}"),
            ("{\"secret\":\"s\",\"", "\":1,\"phrase\":\"p\"}"),
            ("{\"secret\":\"s\",\"phrase\":\"p\",\"ttl\":{\"days\":1,\"n\":[\"", "\"]}}"),
        })
        {
            var body = Encoding.UTF8.GetBytes(before).Concat(bad).Concat(Encoding.UTF8.GetBytes(after)).ToArray();
            AssertReads(body, Bad("(invalid UTF-8 " + hex + ")"), TtlPolicy.Default);
        }
    }

    [Fact]
    public void A_scratch_buffer_shorter_than_the_body_is_a_caller_bug()
    {
        var body = new ReadOnlySequence<byte>("""{"secret":"s","phrase":"p"}"""u8.ToArray());
        Assert.Throws<ArgumentException>(() => CreateSecret.TryRead(body, new byte[body.Length - 1], TtlPolicy.Default, out _));
    }

    [Fact]
    public void Created_body_is_byte_exact()
    {
        const string Key = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";
        var output = new byte[CreateSecret.CreatedBodyLength(Key.Length)];
        var written = CreateSecret.WriteCreatedBody(Encoding.ASCII.GetBytes(Key), output);
        Assert.Equal(output.Length, written);
        Assert.Equal("{\"secret_key\":\"" + Key + "\"}", Encoding.ASCII.GetString(output));
    }

    internal static void AssertReads(byte[] body, Body expected, TtlPolicy policy)
    {
        foreach (var (shape, sequence) in Sequences.AllShapes(body))
        {
            var scratch = new byte[body.Length];
            scratch.AsSpan().Fill(0xCC);
            var error = CreateSecret.TryRead(sequence, scratch, policy, out var request);
            var because = " (" + shape + ")";
            Assert.True(expected.Error == error, error + because);
            if (error != CreateSecretError.None)
            {
                continue;
            }

            Assert.True(
                request.Secret(scratch).SequenceEqual(Encoding.UTF8.GetBytes(expected.Secret)),
                "secret " + Convert.ToHexString(request.Secret(scratch)) + because);
            Assert.True(
                request.Phrase(scratch).SequenceEqual(Encoding.UTF8.GetBytes(expected.Phrase)),
                "phrase " + Convert.ToHexString(request.Phrase(scratch)) + because);
            Assert.True(expected.Ttl == request.TtlMilliseconds, "ttl " + request.TtlMilliseconds + because);
        }
    }
}
