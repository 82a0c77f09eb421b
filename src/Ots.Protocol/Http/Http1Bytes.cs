namespace Ots.Protocol.Http;

/// <summary>Every constant byte sequence of a response, as static data (u8 literals allocate nothing).</summary>
internal static class Http1Bytes
{
    /// <summary>The interim response to <c>Expect: 100-continue</c> (RFC 9110 §15.2.1): a status line and an empty header section.</summary>
    public static ReadOnlySpan<byte> Continue => "HTTP/1.1 100 Continue\r\n\r\n"u8;

    public static ReadOnlySpan<byte> ContentTypeJson => "Content-Type: application/json\r\n"u8;

    /// <summary>The Prometheus text exposition format, version 0.0.4 (what every Prometheus server scrapes).</summary>
    public static ReadOnlySpan<byte> ContentTypePrometheusText => "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"u8;

    /// <summary>RFC 9512's media type for YAML.</summary>
    public static ReadOnlySpan<byte> ContentTypeYaml => "Content-Type: application/yaml\r\n"u8;

    public static ReadOnlySpan<byte> ContentLengthName => "Content-Length: "u8;

    public static ReadOnlySpan<byte> ConnectionClose => "Connection: close\r\n"u8;

    public static ReadOnlySpan<byte> ConnectionKeepAlive => "Connection: keep-alive\r\n"u8;

    public static ReadOnlySpan<byte> AllowPost => "Allow: POST\r\n"u8;

    public static ReadOnlySpan<byte> AllowGetHead => "Allow: GET, HEAD\r\n"u8;

    public static ReadOnlySpan<byte> CacheControlNoStore => "Cache-Control: no-store\r\n"u8;

    /// <summary>The name of the header that tells a 429's client when to try again, in seconds (RFC 9110 §10.2.3).</summary>
    public static ReadOnlySpan<byte> RetryAfterName => "Retry-After: "u8;

    public static ReadOnlySpan<byte> CrLf => "\r\n"u8;

    /// <summary>The longest status line below; sizes the header span.</summary>
    public const int MaxStatusLineLength = 48;

    public static ReadOnlySpan<byte> StatusLine(HttpStatus status) => status switch
    {
        HttpStatus.OK => "HTTP/1.1 200 OK\r\n"u8,
        HttpStatus.Created => "HTTP/1.1 201 Created\r\n"u8,
        HttpStatus.BadRequest => "HTTP/1.1 400 Bad Request\r\n"u8,
        HttpStatus.Forbidden => "HTTP/1.1 403 Forbidden\r\n"u8,
        HttpStatus.NotFound => "HTTP/1.1 404 Not Found\r\n"u8,
        HttpStatus.MethodNotAllowed => "HTTP/1.1 405 Method Not Allowed\r\n"u8,
        HttpStatus.RequestTimeout => "HTTP/1.1 408 Request Timeout\r\n"u8,
        HttpStatus.ContentTooLarge => "HTTP/1.1 413 Content Too Large\r\n"u8,
        HttpStatus.UriTooLong => "HTTP/1.1 414 URI Too Long\r\n"u8,
        HttpStatus.ExpectationFailed => "HTTP/1.1 417 Expectation Failed\r\n"u8,
        HttpStatus.TooManyRequests => "HTTP/1.1 429 Too Many Requests\r\n"u8,
        HttpStatus.RequestHeaderFieldsTooLarge => "HTTP/1.1 431 Request Header Fields Too Large\r\n"u8,
        HttpStatus.NotImplemented => "HTTP/1.1 501 Not Implemented\r\n"u8,
        HttpStatus.ServiceUnavailable => "HTTP/1.1 503 Service Unavailable\r\n"u8,
        HttpStatus.HttpVersionNotSupported => "HTTP/1.1 505 HTTP Version Not Supported\r\n"u8,
        _ => "HTTP/1.1 500 Internal Server Error\r\n"u8,
    };
}
