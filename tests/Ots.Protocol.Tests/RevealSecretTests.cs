using System.Text;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary><c>POST /secrets/{key}</c> bodies (DESIGN §1: 400 for a missing or non-string phrase or bad JSON) and the 200 body.</summary>
public class RevealSecretTests
{
    private static readonly Dictionary<string, (string Json, string? Phrase)> s_cases = new()
    {
        ["phrase"] = ("""{"phrase":"open sesame"}""", "open sesame"),
        ["empty phrase"] = ("""{"phrase":""}""", ""),
        ["whitespace around"] = (" \r\n\t{ \"phrase\" : \"p\" }\r\n", "p"),
        ["unknown fields ignored, nested too"] = ("""{"secret":"x","a":[1,{"phrase":2}],"phrase":"p","b":{"phrase":null}}""", "p"),
        ["escaped name"] = ("""{"\u0070hrase":"p"}""", "p"),
        ["escapes decoded"] = ("""{"phrase":"a\nb\"c\\d\/e\u00e9\ud83d\ude00\u0000"}""", "a\nb\"c\\d/eé😀\0"),
        ["raw UTF-8"] = ("""{"phrase":"pässwörd 🔑"}""", "pässwörd 🔑"),
        ["missing phrase"] = ("""{"secret":"x"}""", null),
        ["empty object"] = ("{}", null),
        ["phrase a number"] = ("""{"phrase":1}""", null),
        ["phrase null"] = ("""{"phrase":null}""", null),
        ["phrase true"] = ("""{"phrase":true}""", null),
        ["phrase an array"] = ("""{"phrase":["p"]}""", null),
        ["phrase an object"] = ("""{"phrase":{"p":1}}""", null),
        ["phrase twice"] = ("""{"phrase":"a","phrase":"a"}""", null),
        ["phrase twice, once escaped"] = ("""{"phrase":"a","\u0070hrase":"b"}""", null),
        ["array"] = ("""[{"phrase":"p"}]""", null),
        ["string"] = ("\"p\"", null),
        ["number"] = ("1", null),
        ["null"] = ("null", null),
        ["empty body"] = ("", null),
        ["invalid JSON"] = ("""{"phrase":"p" """, null),
        ["unquoted name"] = ("""{phrase:"p"}""", null),
        ["trailing comma"] = ("""{"phrase":"p",}""", null),
        ["trailing comma in an unknown array"] = ("""{"phrase":"p","x":[1,2,]}""", null),
        ["block comment"] = ("""{"phrase":"p"/* c */}""", null),
        ["line comment"] = ("//c\n{\"phrase\":\"p\"}", null),
        ["NaN"] = ("""{"phrase":"p","x":NaN}""", null),
        ["Infinity"] = ("""{"x":-Infinity,"phrase":"p"}""", null),
        ["second top-level value"] = ("""{"phrase":"p"}{"phrase":"p"}""", null),
        ["garbage after the object"] = ("""{"phrase":"p"};""", null),
        ["lone high surrogate"] = ("""{"phrase":"\ud800"}""", null),
        ["lone low surrogate"] = ("""{"phrase":"a\udc00b"}""", null),
        ["raw control character"] = ("{\"phrase\":\"\t\"}", null),
    };

    public static TheoryData<string> Names => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void Reads_whole_split_at_every_offset_and_one_byte_per_segment(string name)
    {
        var (json, phrase) = s_cases[name];
        AssertReads(Encoding.UTF8.GetBytes(json), phrase);
    }

    [Theory]
    [InlineData("FF")]
    [InlineData("C0 AF")]
    [InlineData("ED B0 80")]
    [InlineData("F0 9F 98")]
    public void Invalid_UTF8_is_400_in_the_phrase_and_anywhere_else(string hex)
    {
        var bad = Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));
        foreach (var (before, after) in new[] { ("{\"phrase\":\"", "\"}"), ("{\"phrase\":\"p\",\"x\":\"", "\"}"), ("{\"", "\":0,\"phrase\":\"p\"}") })
        {
            AssertReads(Encoding.UTF8.GetBytes(before).Concat(bad).Concat(Encoding.UTF8.GetBytes(after)).ToArray(), null);
        }
    }

    [Fact]
    public void A_scratch_buffer_shorter_than_the_body_is_a_caller_bug()
    {
        Assert.Throws<ArgumentException>(() => RevealSecret.TryRead(new("""{"phrase":"p"}"""u8.ToArray()), new byte[3], out _));
    }

    [Fact]
    public void Revealed_body_of_a_plain_ASCII_secret_is_byte_exact()
    {
        var secret = "correct horse battery staple 42"u8;
        var output = new byte[RevealSecret.MaxRevealedBodyLength(secret.Length)];
        var written = RevealSecret.WriteRevealedBody(secret, output);
        Assert.Equal("{\"secret\":\"correct horse battery staple 42\"}", Encoding.UTF8.GetString(output, 0, written));
    }

    [Fact]
    public void Revealed_body_of_an_empty_secret_is_byte_exact()
    {
        var output = new byte[RevealSecret.MaxRevealedBodyLength(0)];
        var written = RevealSecret.WriteRevealedBody([], output);
        Assert.Equal("{\"secret\":\"\"}", Encoding.UTF8.GetString(output, 0, written));
    }

    [Fact]
    public void Revealed_body_escapes_quote_backslash_and_control_characters_and_keeps_other_text_as_UTF8()
    {
        var secret = Encoding.UTF8.GetBytes("a\"b\\c\nd\u0001é中😀");
        var output = new byte[RevealSecret.MaxRevealedBodyLength(secret.Length)];
        var text = Encoding.UTF8.GetString(output, 0, RevealSecret.WriteRevealedBody(secret, output));
        Assert.StartsWith("{\"secret\":\"a\\\"b\\\\c\\nd\\u0001", text, StringComparison.Ordinal);
        Assert.Contains("é中", text, StringComparison.Ordinal);
        Assert.EndsWith("\"}", text, StringComparison.Ordinal);
    }

    private static void AssertReads(byte[] body, string? phrase)
    {
        foreach (var (shape, sequence) in Sequences.AllShapes(body))
        {
            var scratch = new byte[body.Length];
            scratch.AsSpan().Fill(0xCC);
            var ok = RevealSecret.TryRead(sequence, scratch, out var length);
            Assert.True(ok == phrase is not null, ok + " (" + shape + ")");
            if (phrase is null)
            {
                Assert.True(length == -1, "length " + length + " (" + shape + ")");
            }
            else
            {
                Assert.True(scratch.AsSpan(0, length).SequenceEqual(Encoding.UTF8.GetBytes(phrase)), Convert.ToHexString(scratch, 0, length) + " (" + shape + ")");
            }
        }
    }
}
