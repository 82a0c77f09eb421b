namespace Ots.Protocol.Http;

/// <summary>Framing limits, each with where it comes from. Enforced by the parser before any routing.</summary>
public static class HttpLimits
{
    /// <summary>Longest request line, CRLF excluded: nginx <c>large_client_header_buffers</c>, Kestrel's default. Over it: 414.</summary>
    public const int MaxRequestLineBytes = 8 * 1024;

    /// <summary>Header section, request line excluded, final CRLF included: Kestrel <c>MaxRequestHeadersTotalSize</c>. Over it: 431.</summary>
    public const int MaxHeaderBytes = 32 * 1024;

    /// <summary>Header fields per request: Apache <c>LimitRequestFields</c>. Over it: 431.</summary>
    public const int MaxHeaderCount = 100;

    /// <summary>Decoded request body: the replaced service's proxy limit. Over it: 413.</summary>
    public const int DefaultMaxBodyBytes = 128 * 1024;

    /// <summary>A chunk-size line (size, extensions, CRLF). Generous for extensions, small enough that a client cannot park data in it.</summary>
    public const int MaxChunkLineBytes = 4 * 1024;
}
