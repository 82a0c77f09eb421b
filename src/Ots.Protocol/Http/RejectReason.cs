namespace Ots.Protocol.Http;

/// <summary>Why a request was rejected before routing. Each reason maps to one pre-encoded response (<see cref="Rejections"/>).</summary>
public enum RejectReason
{
    /// <summary>Not rejected.</summary>
    None,

    /// <summary>A request line that is not <c>method SP origin-form SP HTTP/x.y</c>. 400.</summary>
    InvalidRequestLine,

    /// <summary>A request line over <see cref="HttpLimits.MaxRequestLineBytes"/>. 414.</summary>
    RequestLineTooLong,

    /// <summary>A well-formed version other than HTTP/1.0 and HTTP/1.1. 505.</summary>
    UnsupportedHttpVersion,

    /// <summary>A line terminated by LF alone (RFC 9112 §2.2 allows rejecting it; accepting it invites smuggling). 400.</summary>
    BareLineFeed,

    /// <summary>A header name with a non-token byte, empty, or followed by whitespace before the colon (RFC 9112 §5.1). 400.</summary>
    InvalidHeaderName,

    /// <summary>A header value with a control byte. 400.</summary>
    InvalidHeaderValue,

    /// <summary>A header line starting with whitespace: obsolete line folding (RFC 9112 §5.2). 400.</summary>
    ObsoleteLineFolding,

    /// <summary>A header section over <see cref="HttpLimits.MaxHeaderBytes"/>. 431.</summary>
    HeadersTooLarge,

    /// <summary>More than <see cref="HttpLimits.MaxHeaderCount"/> header fields. 431.</summary>
    TooManyHeaders,

    /// <summary>An HTTP/1.1 request without <c>Host</c>, or with two (RFC 9112 §3.2). 400.</summary>
    InvalidHost,

    /// <summary>A <c>Content-Length</c> that is not 1*DIGIT or overflows. 400.</summary>
    InvalidContentLength,

    /// <summary>Two <c>Content-Length</c> fields, even identical ones (request smuggling). 400.</summary>
    MultipleContentLength,

    /// <summary>Both <c>Content-Length</c> and <c>Transfer-Encoding</c> (RFC 9112 §6.1: a smuggling vector). 400.</summary>
    ContentLengthWithTransferEncoding,

    /// <summary><c>Transfer-Encoding</c> in an HTTP/1.0 request (RFC 9112 §6.1). 400.</summary>
    TransferEncodingOnHttp10,

    /// <summary>A transfer coding other than a single <c>chunked</c>. 501 (RFC 9112 §6.1).</summary>
    UnsupportedTransferEncoding,

    /// <summary>A malformed chunk size line, chunk terminator or trailer. 400.</summary>
    InvalidChunk,

    /// <summary>A body over the configured limit. 413.</summary>
    BodyTooLarge,

    /// <summary>An <c>Expect</c> other than <c>100-continue</c>. 417.</summary>
    UnsupportedExpectation,
}
