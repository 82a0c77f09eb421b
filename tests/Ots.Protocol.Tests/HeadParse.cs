using System.Buffers;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>One call of <see cref="Http1Parser.TryParseHead"/>, with all its outputs.</summary>
internal readonly record struct HeadParse(ParseStatus Status, RequestHead Head, long HeadLength, RejectReason Reason)
{
    public static HeadParse Run(in ReadOnlySequence<byte> buffer, long maxBodyBytes = HttpLimits.DefaultMaxBodyBytes)
    {
        var status = Http1Parser.TryParseHead(buffer, maxBodyBytes, out var head, out var headLength, out var reason);
        return new HeadParse(status, head, headLength, reason);
    }

    public static HeadParse Run(byte[] buffer, long maxBodyBytes = HttpLimits.DefaultMaxBodyBytes) =>
        Run(new ReadOnlySequence<byte>(buffer), maxBodyBytes);

    /// <summary>A request head: the lines joined with CRLF, then the empty line.</summary>
    public static byte[] Request(params string[] lines) => Sequences.Bytes(string.Join("\r\n", lines) + "\r\n\r\n");
}
