namespace Ots.Protocol.Routes;

/// <summary>The API-level error bodies, byte for byte those of the service Ots replaces where it had them.</summary>
public static class ApiErrors
{
    /// <summary>404 for an unknown, malformed, expired, revealed or destroyed key.</summary>
    public static ReadOnlySpan<byte> KeyNotFound => """{"Error":"Key not found"}"""u8;

    /// <summary>403 for a wrong passphrase.</summary>
    public static ReadOnlySpan<byte> IncorrectPhrase => """{"Error":"Incorrect phrase"}"""u8;

    /// <summary>400 from <c>POST /generate</c> without a usable <c>secret</c> and <c>phrase</c>.</summary>
    public static ReadOnlySpan<byte> GenerateParametersRequired => """{"Error":"Required parameters: phrase, secret."}"""u8;

    /// <summary>400 from <c>POST /secrets/{key}</c> without a usable <c>phrase</c>.</summary>
    public static ReadOnlySpan<byte> RevealParametersRequired => """{"Error":"Required parameters: phrase."}"""u8;

    /// <summary>400 for a <c>ttl</c> that is neither an object nor null, or an object with none of its members.</summary>
    public static ReadOnlySpan<byte> TtlNotAnObject => """{"Error":"Invalid ttl: expected an object with days, hours, minutes or seconds."}"""u8;

    /// <summary>400 for a <c>ttl</c> member that is not a non-negative number.</summary>
    public static ReadOnlySpan<byte> TtlMemberInvalid => """{"Error":"Invalid ttl: days, hours, minutes and seconds must be non-negative numbers."}"""u8;

    /// <summary>400 for a <c>ttl</c> that adds up to zero.</summary>
    public static ReadOnlySpan<byte> TtlNotPositive => """{"Error":"Invalid ttl: the total must be greater than zero."}"""u8;

    /// <summary>404 for a path that is no resource.</summary>
    public static ReadOnlySpan<byte> NotFound => """{"Error":"Not found"}"""u8;

    /// <summary>405 for a resource asked with the wrong method.</summary>
    public static ReadOnlySpan<byte> MethodNotAllowed => """{"Error":"Method not allowed"}"""u8;

    /// <summary>429 for a reveal from a client address with too many recent failed reveals (403 or 404).</summary>
    public static ReadOnlySpan<byte> TooManyFailedAttempts => """{"Error":"Too many failed attempts"}"""u8;

    /// <summary>503 when the store does not answer in time.</summary>
    public static ReadOnlySpan<byte> ServiceUnavailable => """{"Error":"Service unavailable"}"""u8;

    /// <summary>500, for a broken invariant only (logged).</summary>
    public static ReadOnlySpan<byte> InternalError => """{"Error":"Internal server error"}"""u8;

    /// <summary>408 when the request did not arrive within the read timeout.</summary>
    public static ReadOnlySpan<byte> RequestTimeout => """{"Error":"Request timeout"}"""u8;

    /// <summary><c>GET /healthz</c>.</summary>
    public static ReadOnlySpan<byte> Healthy => """{"status":"ok"}"""u8;

    /// <summary><c>GET /readyz</c> when the store answers.</summary>
    public static ReadOnlySpan<byte> Ready => """{"status":"ready"}"""u8;
}
