namespace Ots.Protocol.Http;

/// <summary>The response to each <see cref="RejectReason"/>: one status and one pre-encoded JSON body.</summary>
public static class Rejections
{
    /// <summary>The status code a rejection is answered with.</summary>
    public static HttpStatus StatusOf(RejectReason reason) => reason switch
    {
        RejectReason.RequestLineTooLong => HttpStatus.UriTooLong,
        RejectReason.UnsupportedHttpVersion => HttpStatus.HttpVersionNotSupported,
        RejectReason.HeadersTooLarge or RejectReason.TooManyHeaders => HttpStatus.RequestHeaderFieldsTooLarge,
        RejectReason.UnsupportedTransferEncoding => HttpStatus.NotImplemented,
        RejectReason.BodyTooLarge => HttpStatus.ContentTooLarge,
        RejectReason.UnsupportedExpectation => HttpStatus.ExpectationFailed,
        _ => HttpStatus.BadRequest,
    };

    /// <summary>The JSON body of a rejection: what was wrong, never an echo of the input.</summary>
    public static ReadOnlySpan<byte> BodyOf(RejectReason reason) => reason switch
    {
        RejectReason.RequestLineTooLong => """{"Error":"Request line too long"}"""u8,
        RejectReason.UnsupportedHttpVersion => """{"Error":"HTTP version not supported"}"""u8,
        RejectReason.BareLineFeed => """{"Error":"Malformed request: lines must end with CRLF"}"""u8,
        RejectReason.InvalidHeaderName => """{"Error":"Malformed request: invalid header name"}"""u8,
        RejectReason.InvalidHeaderValue => """{"Error":"Malformed request: invalid header value"}"""u8,
        RejectReason.ObsoleteLineFolding => """{"Error":"Malformed request: obsolete line folding"}"""u8,
        RejectReason.HeadersTooLarge => """{"Error":"Request headers too large"}"""u8,
        RejectReason.TooManyHeaders => """{"Error":"Too many request headers"}"""u8,
        RejectReason.InvalidHost => """{"Error":"Malformed request: exactly one Host header is required"}"""u8,
        RejectReason.InvalidContentLength => """{"Error":"Malformed request: invalid Content-Length"}"""u8,
        RejectReason.MultipleContentLength => """{"Error":"Malformed request: more than one Content-Length"}"""u8,
        RejectReason.ContentLengthWithTransferEncoding => """{"Error":"Malformed request: both Content-Length and Transfer-Encoding"}"""u8,
        RejectReason.TransferEncodingOnHttp10 => """{"Error":"Malformed request: Transfer-Encoding in HTTP/1.0"}"""u8,
        RejectReason.UnsupportedTransferEncoding => """{"Error":"Transfer-Encoding not supported: only chunked"}"""u8,
        RejectReason.InvalidChunk => """{"Error":"Malformed request: invalid chunked body"}"""u8,
        RejectReason.BodyTooLarge => """{"Error":"Request body too large"}"""u8,
        RejectReason.UnsupportedExpectation => """{"Error":"Expectation not supported: only 100-continue"}"""u8,
        _ => """{"Error":"Malformed request"}"""u8,
    };
}
