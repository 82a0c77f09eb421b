namespace Ots.Testing;

/// <summary>The benchmarks' own requests; the rest is shared with the allocation tests (tests/Shared/Requests.cs).</summary>
internal static partial class Requests
{
    public static readonly byte[] GenerateWithTtlBody =
        Bytes("""{"secret":"the launch code is 0000","phrase":"correct horse battery staple","ttl":{"hours":1,"minutes":30}}""");

    /// <summary>A header section the parser refuses: an obs-fold line (400, connection closed).</summary>
    public static byte[] Malformed => Bytes("GET /healthz HTTP/1.1\r\nHost: localhost:8080\r\nX-Folded: a\r\n b\r\n\r\n");
}
