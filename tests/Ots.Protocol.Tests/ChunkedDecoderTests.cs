using System.Buffers;
using System.Text;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>Chunked request bodies (RFC 9112 §7.1), fed whole, split at every offset, and one byte per read.</summary>
public class ChunkedDecoderTests
{
    private const int Limit = HttpLimits.DefaultMaxBodyBytes;

    private static readonly string s_bigChunk = new('x', 0x1A0);

    private static readonly Dictionary<string, (string Wire, string Body)> s_valid = new()
    {
        ["single chunk"] = ("5\r\nhello\r\n0\r\n\r\n", "hello"),
        ["empty body"] = ("0\r\n\r\n", ""),
        ["many chunks"] = ("1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n1\r\n!\r\n0\r\n\r\n", "abcdef!"),
        ["hex upper case"] = ("A\r\n0123456789\r\n1F\r\n" + new string('z', 31) + "\r\n0\r\n\r\n", "0123456789" + new string('z', 31)),
        ["hex lower case"] = ("a\r\n0123456789\r\n1f\r\n" + new string('z', 31) + "\r\n0\r\n\r\n", "0123456789" + new string('z', 31)),
        ["hex mixed case"] = ("aB\r\n" + new string('m', 0xAB) + "\r\n0\r\n\r\n", new string('m', 0xAB)),
        ["leading zeros"] = ("0005\r\nhello\r\n00000000000000000000000000001\r\n!\r\n000\r\n\r\n", "hello!"),
        ["chunk extensions"] = ("5;name=value\r\nhello\r\n6;a;b=\"c d\"\r\n world\r\n0;last\r\n\r\n", "hello world"),
        ["extension after whitespace"] = ("5 ;x\r\nhello\r\n1\t; y = z\r\n!\r\n0 ;z\r\n\r\n", "hello!"),
        ["extension with obs-text"] = ("5;n=caf\u00e9\r\nhello\r\n0\r\n\r\n", "hello"),
        ["trailers"] = ("5\r\nhello\r\n0\r\nX-Trailer: a\r\nChecksum: abc\r\n\r\n", "hello"),
        ["data holding CRLF and hex digits"] = ("6\r\n\r\n0\r\n\r\r\n0\r\n\r\n", "\r\n0\r\n\r"),
        ["binary data"] = ("4\r\n\u0000\u00ff\n\r\r\n0\r\n\r\n", "\u0000\u00ff\n\r"),
        ["a 416-byte chunk"] = ("1a0\r\n" + s_bigChunk + "\r\n0\r\n\r\n", s_bigChunk),
        ["JSON body as curl sends it"] = ("1b\r\n{\"secret\":\"s\",\"phrase\":\"p\"}\r\n0\r\n\r\n", "{\"secret\":\"s\",\"phrase\":\"p\"}"),
    };

    private static readonly Dictionary<string, (string Wire, RejectReason Reason)> s_invalid = new()
    {
        ["data longer than its size"] = ("3\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["missing CRLF after data"] = ("5\r\nhello0\r\n\r\n", RejectReason.InvalidChunk),
        ["LF only after data"] = ("5\r\nhello\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["CR without LF after data"] = ("5\r\nhello\rX0\r\n\r\n", RejectReason.InvalidChunk),
        ["bad hex"] = ("g\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["hex then a letter"] = ("5g\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["0x prefix"] = ("0x5\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["signed size"] = ("+5\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["negative size"] = ("-5\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["space before the size"] = (" 5\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["space after the size without an extension"] = ("5 \r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["empty size"] = ("\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["empty size after a chunk"] = ("5\r\nhello\r\n\r\n", RejectReason.InvalidChunk),
        ["bare LF after the size"] = ("5\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["bare LF after the last size"] = ("5\r\nhello\r\n0\n\r\n", RejectReason.InvalidChunk),
        ["bare LF ending the trailer section"] = ("0\r\n\n", RejectReason.InvalidChunk),
        ["bare LF after a trailer field"] = ("0\r\nX: a\n\r\n", RejectReason.InvalidChunk),
        ["bare CR inside a trailer field"] = ("0\r\nX: a\rb\r\n\r\n", RejectReason.InvalidChunk),
        ["control byte in an extension"] = ("5;a\u0001b\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["DEL in an extension"] = ("5;a=\u007f\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["bare CR in an extension"] = ("5;a\rb\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["extension without a semicolon"] = ("5 x\r\nhello\r\n0\r\n\r\n", RejectReason.InvalidChunk),
        ["size over the body limit"] = ("20001\r\n", RejectReason.BodyTooLarge),
        ["size that overflows 64 bits"] = ("10000000000000000000000000000000\r\n", RejectReason.BodyTooLarge),
    };

    public static TheoryData<string> Valid => new(s_valid.Keys);

    public static TheoryData<string> Invalid => new(s_invalid.Keys);

    [Theory]
    [MemberData(nameof(Valid))]
    public void Decodes_whole_split_at_every_offset_and_byte_by_byte(string name)
    {
        var (wire, body) = s_valid[name];
        var bytes = Sequences.Bytes(wire + "GET /next");
        foreach (var (shape, pieces) in ChunkedFeed.Shapes(bytes))
        {
            var feed = ChunkedFeed.Run(pieces, Limit);
            Assert.True(feed.Status == ParseStatus.Complete, $"{shape}: {feed.Trace} {feed.Reason}");
            Assert.True(Sequences.Bytes(body).AsSpan().SequenceEqual(feed.Body), shape + ": body " + Encoding.Latin1.GetString(feed.Body));
            Assert.True(feed.Rest.AsSpan().SequenceEqual("GET /next"u8), shape + ": left " + Encoding.Latin1.GetString(feed.Rest));
        }
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Every_strict_prefix_is_incomplete(string name)
    {
        var bytes = Sequences.Bytes(s_valid[name].Wire);
        for (var length = 0; length < bytes.Length; length++)
        {
            var feed = ChunkedFeed.Run([bytes[..length]], Limit);
            Assert.True(feed.Status == ParseStatus.Incomplete, $"prefix of {length}: {feed.Status} {feed.Reason}");
        }
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_whole_split_at_every_offset_and_byte_by_byte(string name)
    {
        var (wire, reason) = s_invalid[name];
        foreach (var (shape, pieces) in ChunkedFeed.Shapes(Sequences.Bytes(wire)))
        {
            var feed = ChunkedFeed.Run(pieces, Limit);
            Assert.True(feed.Status == ParseStatus.Invalid && feed.Reason == reason, $"{shape}: {feed.Trace} {feed.Reason}");
        }
    }

    [Fact]
    public void Body_of_exactly_the_limit_is_accepted_in_one_chunk_or_many()
    {
        AssertFeed("a\r\n0123456789\r\n0\r\n\r\n", 10, ParseStatus.Complete, RejectReason.None);
        AssertFeed("6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n", 10, ParseStatus.Complete, RejectReason.None);
        AssertFeed("0\r\n\r\n", 0, ParseStatus.Complete, RejectReason.None);
    }

    [Fact]
    public void Body_one_over_the_limit_is_413()
    {
        AssertFeed("b\r\n0123456789A\r\n0\r\n\r\n", 10, ParseStatus.Invalid, RejectReason.BodyTooLarge);
        AssertFeed("6\r\n012345\r\n5\r\n6789A\r\n0\r\n\r\n", 10, ParseStatus.Invalid, RejectReason.BodyTooLarge);
        AssertFeed("1\r\n0\r\n", 0, ParseStatus.Invalid, RejectReason.BodyTooLarge);
    }

    [Fact]
    public void Default_body_limit_at_N_and_N_plus_1()
    {
        var n = HttpLimits.DefaultMaxBodyBytes;
        var data = new string('d', n / 2);
        var atLimit = (n / 2).ToString("x", System.Globalization.CultureInfo.InvariantCulture) + "\r\n" + data + "\r\n";
        AssertFeed(atLimit + atLimit + "0\r\n\r\n", n, ParseStatus.Complete, RejectReason.None);
        AssertFeed(atLimit + atLimit + "1\r\n!\r\n0\r\n\r\n", n, ParseStatus.Invalid, RejectReason.BodyTooLarge);
    }

    [Fact]
    public void Size_line_of_exactly_the_limit_is_accepted()
    {
        // MaxChunkLineBytes counts the whole line: size, extensions and CRLF.
        var line = SizeLine(HttpLimits.MaxChunkLineBytes);
        Assert.Equal(HttpLimits.MaxChunkLineBytes, line.Length);
        AssertFeed(line + "hello\r\n0\r\n\r\n", Limit, ParseStatus.Complete, RejectReason.None);
        AssertFeed("5\r\nhello\r\n" + line.Replace("5;", "0;", StringComparison.Ordinal) + "\r\n", Limit, ParseStatus.Complete, RejectReason.None);
    }

    [Fact]
    public void Size_line_one_over_the_limit_is_rejected_complete_or_still_arriving()
    {
        var line = SizeLine(HttpLimits.MaxChunkLineBytes + 1);
        AssertFeed(line + "hello\r\n0\r\n\r\n", Limit, ParseStatus.Invalid, RejectReason.InvalidChunk);
        AssertFeed(line[..^1], Limit, ParseStatus.Invalid, RejectReason.InvalidChunk);
        AssertFeed("5;" + new string('e', HttpLimits.MaxChunkLineBytes - 2), Limit, ParseStatus.Invalid, RejectReason.InvalidChunk);

        // One byte short of the limit, still waiting for the LF: a prefix of a valid line.
        AssertFeed(SizeLine(HttpLimits.MaxChunkLineBytes)[..^1], Limit, ParseStatus.Incomplete, RejectReason.None);
    }

    [Fact]
    public void Trailer_section_at_N_and_N_plus_1()
    {
        // The trailer section is bounded like the header section: every line, the empty one included.
        AssertFeed("0\r\n" + TrailerSection(HttpLimits.MaxHeaderBytes), Limit, ParseStatus.Complete, RejectReason.None);
        AssertFeed("0\r\n" + TrailerSection(HttpLimits.MaxHeaderBytes + 1), Limit, ParseStatus.Invalid, RejectReason.HeadersTooLarge);
        AssertFeed("0\r\nX: " + new string('t', HttpLimits.MaxHeaderBytes + 1 - 3), Limit, ParseStatus.Invalid, RejectReason.HeadersTooLarge);
    }

    [Fact]
    public void After_the_last_chunk_it_stays_complete_and_consumes_nothing()
    {
        var decoder = default(ChunkedDecoder);
        var body = new byte[16];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("2\r\nhi\r\n0\r\n\r\nNEXT"u8.ToArray()));
        Assert.Equal(ParseStatus.Complete, decoder.Decode(ref reader, body, out _));
        Assert.Equal(12, reader.Consumed);
        Assert.Equal(ParseStatus.Complete, decoder.Decode(ref reader, body, out var reason));
        Assert.Equal(12, reader.Consumed);
        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(2, decoder.Length);

        decoder.Reset();
        Assert.Equal(0, decoder.Length);
        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("3\r\nabc\r\n0\r\n\r\n"u8.ToArray()));
        Assert.Equal(ParseStatus.Complete, decoder.Decode(ref reader, body, out _));
        Assert.Equal("abc"u8.ToArray(), body[..decoder.Length]);
    }

    [Fact]
    public void A_chunk_arriving_in_pieces_is_consumed_as_it_arrives()
    {
        // Linear work for a dribbled body: decoded data is consumed, only an incomplete size line or terminator is left.
        var decoder = default(ChunkedDecoder);
        var body = new byte[16];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("a\r\n01234"u8.ToArray()));
        Assert.Equal(ParseStatus.Incomplete, decoder.Decode(ref reader, body, out _));
        Assert.Equal(8, reader.Consumed);
        Assert.Equal(5, decoder.Length);

        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("56789\r"u8.ToArray()));
        Assert.Equal(ParseStatus.Incomplete, decoder.Decode(ref reader, body, out _));
        Assert.Equal(5, reader.Consumed);

        reader = new SequenceReader<byte>(new ReadOnlySequence<byte>("\r\n0\r"u8.ToArray()));
        Assert.Equal(ParseStatus.Incomplete, decoder.Decode(ref reader, body, out _));
        Assert.Equal(2, reader.Consumed);
        Assert.Equal("0123456789"u8.ToArray(), body[..decoder.Length]);
    }

    private static void AssertFeed(string wire, int bodyLimit, ParseStatus status, RejectReason reason)
    {
        var bytes = Sequences.Bytes(wire);
        var small = bytes.Length <= 8192 ? 1 : 61; // Byte by byte costs the test harness O(n²) copying on the 32 KiB inputs.
        foreach (var pieces in new[] { new[] { bytes }, bytes.Chunk(small).ToArray(), new[] { bytes[..(bytes.Length / 2)], bytes[(bytes.Length / 2)..] } })
        {
            var feed = ChunkedFeed.Run(pieces, bodyLimit);
            Assert.Equal((status, reason), (feed.Status, feed.Reason));
        }
    }

    /// <summary>A chunk-size line for 5 bytes of exactly <paramref name="length"/> bytes, CRLF included.</summary>
    private static string SizeLine(int length) => "5;" + new string('e', length - 4) + "\r\n";

    /// <summary>A trailer section of exactly <paramref name="length"/> bytes, its empty line included.</summary>
    private static string TrailerSection(int length) => "X: " + new string('t', length - 7) + "\r\n\r\n";
}
