using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Ots.Protocol.Http;

/// <summary>The methods the service routes on; every other valid token is <see cref="Other"/>.</summary>
public enum KnownMethod : byte
{
    /// <summary>Any other method token (answered 404 or 405).</summary>
    Other,

    /// <summary><c>GET</c>.</summary>
    Get,

    /// <summary><c>HEAD</c>.</summary>
    Head,

    /// <summary><c>POST</c>.</summary>
    Post,
}

/// <summary>The resources of the API, matched exactly on the path (the query is ignored).</summary>
public enum RequestTarget : byte
{
    /// <summary>No such resource: 404.</summary>
    Unknown,

    /// <summary><c>/generate</c>.</summary>
    Generate,

    /// <summary><c>/secrets/{secret_key}</c>; the key is in <see cref="RequestHead.Key"/>.</summary>
    Secret,

    /// <summary><c>/healthz</c>.</summary>
    Health,

    /// <summary><c>/readyz</c>.</summary>
    Ready,

    /// <summary><c>/metrics</c>: the Prometheus text exposition.</summary>
    Metrics,

    /// <summary><c>/openapi.yaml</c>: the API's OpenAPI document.</summary>
    OpenApi,
}

/// <summary>How the request body is delimited (RFC 9112 §6.3).</summary>
public enum BodyFraming : byte
{
    /// <summary>No body: neither <c>Content-Length</c> nor <c>Transfer-Encoding</c>.</summary>
    None,

    /// <summary>Exactly <see cref="RequestHead.ContentLength"/> bytes follow the head.</summary>
    ContentLength,

    /// <summary><c>Transfer-Encoding: chunked</c>.</summary>
    Chunked,
}

/// <summary>The raw key segment of <c>/secrets/{key}</c>, copied out of the request so the input buffer can be released.</summary>
[InlineArray(Capacity)]
public struct KeySegment
{
    /// <summary>A well-formed key is 43 base64url characters; anything longer cannot be one.</summary>
    public const int Capacity = 43;

    private byte _element0;
}

/// <summary>
/// The right-most entry of <c>X-Forwarded-For</c>: the client address the nearest proxy saw, as raw bytes (never
/// parsed, only compared). Captured only when the parser is asked to (a trusted proxy is in front).
/// </summary>
[InlineArray(Capacity)]
public struct ForwardedForSegment
{
    /// <summary>An IPv6 address with a zone and a port fits; a longer entry is not an address a proxy wrote.</summary>
    public const int Capacity = 64;

    private byte _element0;
}

/// <summary>What the service needs from a request line and header section. Plain data; filled by <see cref="Http1Parser"/>.</summary>
[SuppressMessage("Design", "CA1051", Justification = "Plain data filled in place by the parser; a property would copy the inline key.")]
public struct RequestHead
{
    /// <summary>The method.</summary>
    public KnownMethod Method;

    /// <summary>The resource.</summary>
    public RequestTarget Target;

    /// <summary>True for HTTP/1.1, false for HTTP/1.0.</summary>
    public bool IsHttp11;

    /// <summary>Whether the connection stays open after the response (RFC 9112 §9.3).</summary>
    public bool KeepAlive;

    /// <summary>The client sent <c>Expect: 100-continue</c> on HTTP/1.1 and waits for <c>100 Continue</c> before the body.</summary>
    public bool ExpectContinue;

    /// <summary>How the body is delimited.</summary>
    public BodyFraming Framing;

    /// <summary>The body length when <see cref="Framing"/> is <see cref="BodyFraming.ContentLength"/>.</summary>
    public long ContentLength;

    /// <summary>The key segment of <c>/secrets/{key}</c>; valid for <see cref="KeyLength"/> bytes.</summary>
    public KeySegment Key;

    /// <summary>Bytes of <see cref="Key"/> in use, or -1 when the segment was longer than <see cref="KeySegment.Capacity"/> (so no valid key).</summary>
    public int KeyLength;

    /// <summary>The key segment as a span (empty when it was too long to be a key).</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> KeySpan => KeyLength > 0 ? ((ReadOnlySpan<byte>)Key)[..KeyLength] : default;

    /// <summary>
    /// The right-most <c>X-Forwarded-For</c> entry, trimmed, when the parser was asked to capture it; valid for
    /// <see cref="ForwardedForLength"/> bytes.
    /// </summary>
    public ForwardedForSegment ForwardedFor;

    /// <summary>Bytes of <see cref="ForwardedFor"/> in use: 0 when absent, empty or not captured, -1 when the entry was longer than <see cref="ForwardedForSegment.Capacity"/>.</summary>
    public int ForwardedForLength;

    /// <summary>The captured right-most <c>X-Forwarded-For</c> entry (empty when there is none to use).</summary>
    [UnscopedRef]
    public ReadOnlySpan<byte> ForwardedForSpan => ForwardedForLength > 0 ? ((ReadOnlySpan<byte>)ForwardedFor)[..ForwardedForLength] : default;
}
