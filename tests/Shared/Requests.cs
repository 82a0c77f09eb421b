using System.Buffers;
using System.Text;

namespace Ots.Testing;

/// <summary>
/// Requests as curl sends them (<c>curl -d '{...}'</c>: the usual few header fields, none of which the service reads
/// apart from framing). One linked source file for the protocol's allocation tests (tests/Ots.Protocol.Tests) and
/// its benchmarks (bench/Ots.Benchmarks), so the CI gate and the published figures measure the same bytes; each
/// project adds its own extras in another part of this class.
/// </summary>
internal static partial class Requests
{
    /// <summary>A well-formed key segment: 43 base64url characters (any, for the protocol-only paths).</summary>
    public const string SampleKey = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA";

    public const string Secret = "the launch code is 0000";
    public const string Phrase = "correct horse battery staple";

    public static readonly byte[] GenerateBody = Bytes("""{"secret":"the launch code is 0000","phrase":"correct horse battery staple"}""");

    public static readonly byte[] RevealBody = Bytes("""{"phrase":"correct horse battery staple"}""");

    public static byte[] Generate => Post("/generate", GenerateBody);

    public static byte[] Reveal(string key) => Post("/secrets/" + key, RevealBody);

    public static byte[] Health => Bytes("GET /healthz HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n");

    public static byte[] UnknownPath => Bytes("GET /favicon.ico HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n");

    /// <summary>The generate request with its body in three chunks, the second with an extension, and one trailer field.</summary>
    public static byte[] ChunkedGenerate
    {
        get
        {
            var body = GenerateBody;
            var a = body.Length / 3;
            var b = 2 * body.Length / 3;
            var head = "POST /generate HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n" +
                "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            return [
                .. Bytes(head),
                .. Chunk(body[..a], ""),
                .. Chunk(body[a..b], ";ext=1"),
                .. Chunk(body[b..], ""),
                .. Bytes("0\r\nX-Trailer: t\r\n\r\n"),
            ];
        }
    }

    /// <summary>Sixteen requests in one buffer, as a pipelining client sends them: generate, reveal, healthz, 404, four times.</summary>
    public static byte[] Pipelined16(string key)
    {
        var writer = new ArrayBufferWriter<byte>();
        for (var i = 0; i < 4; i++)
        {
            writer.Write(Generate);
            writer.Write(Reveal(key));
            writer.Write(Health);
            writer.Write(UnknownPath);
        }

        return writer.WrittenSpan.ToArray();
    }

    public static ReadOnlySequence<byte> Whole(byte[] bytes) => new(bytes);

    /// <summary>
    /// <paramref name="bytes"/> cut into segments of <paramref name="segmentLength"/> bytes, as a pipe hands a request
    /// that arrived in several reads or crossed the end of a pooled block.
    /// </summary>
    public static ReadOnlySequence<byte> Segmented(byte[] bytes, int segmentLength)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(segmentLength, bytes.Length)), 0);
        var last = first;
        for (var offset = segmentLength; offset < bytes.Length; offset += segmentLength)
        {
            last = last.Append(bytes.AsMemory(offset, Math.Min(segmentLength, bytes.Length - offset)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    public static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Post(string path, byte[] body) =>
    [
        .. Bytes("POST " + path + " HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n" +
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + body.Length + "\r\n\r\n"),
        .. body,
    ];

    private static byte[] Chunk(byte[] data, string extension) =>
        [.. Bytes(data.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + extension + "\r\n"), .. data, .. Bytes("\r\n")];

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
