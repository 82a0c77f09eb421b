namespace Ots.Protocol.Http;

/// <summary>The status codes the service answers with (RFC 9110 §15 reason phrases).</summary>
public enum HttpStatus : short
{
    /// <summary>200.</summary>
    OK = 200,

    /// <summary>201.</summary>
    Created = 201,

    /// <summary>400.</summary>
    BadRequest = 400,

    /// <summary>403.</summary>
    Forbidden = 403,

    /// <summary>404.</summary>
    NotFound = 404,

    /// <summary>405.</summary>
    MethodNotAllowed = 405,

    /// <summary>408.</summary>
    RequestTimeout = 408,

    /// <summary>413.</summary>
    ContentTooLarge = 413,

    /// <summary>414.</summary>
    UriTooLong = 414,

    /// <summary>417.</summary>
    ExpectationFailed = 417,

    /// <summary>429: too many failed reveals from one client address (RFC 6585 §4).</summary>
    TooManyRequests = 429,

    /// <summary>431.</summary>
    RequestHeaderFieldsTooLarge = 431,

    /// <summary>500.</summary>
    InternalServerError = 500,

    /// <summary>501.</summary>
    NotImplemented = 501,

    /// <summary>503.</summary>
    ServiceUnavailable = 503,

    /// <summary>505.</summary>
    HttpVersionNotSupported = 505,
}
