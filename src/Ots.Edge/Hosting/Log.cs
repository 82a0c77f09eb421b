using Microsoft.Extensions.Logging;

namespace Ots.Edge.Hosting;

/// <summary>
/// Every log line of the edge, source-generated. None takes a secret, a phrase, a key or a request path:
/// what can be logged is decided here, in one place.
/// </summary>
internal static partial class Log
{
    /// <summary>The category of the access log (<c>--access-log true</c>), so it can be filtered on its own.</summary>
    public const string AccessLogCategory = "Ots.Edge.Access";

    [LoggerMessage(1, LogLevel.Information, "Ots edge listening on {Urls}, store: {Store}")]
    public static partial void Started(ILogger logger, string urls, string store);

    [LoggerMessage(2, LogLevel.Information, "Embedded Garnet started on {EndPoint} with AOF in {DataDir}")]
    public static partial void EmbeddedStoreStarted(ILogger logger, string endPoint, string dataDir);

    [LoggerMessage(3, LogLevel.Warning, "Store call failed ({ExceptionType}); answered 503")]
    public static partial void StoreUnavailable(ILogger logger, string exceptionType);

    [LoggerMessage(4, LogLevel.Error, "Connection {ConnectionId} failed")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, Exception exception);

    [LoggerMessage(5, LogLevel.Warning, "A stored record failed authentication and was discarded (tampered or corrupt store)")]
    public static partial void RecordRejected(ILogger logger);

    [LoggerMessage(6, LogLevel.Warning, "Secret id collision on create; retrying with a new key")]
    public static partial void IdCollision(ILogger logger);

    /// <summary>
    /// One answered request. Written from the parsed head only: the method as classified (GET, HEAD, POST or
    /// OTHER) and the route template (<c>/secrets/{key}</c>, never the key), so no key, phrase or secret can appear.
    /// </summary>
    [LoggerMessage(7, LogLevel.Information, "{Method} {Route} {Status} {DurationMs:0.000}ms")]
    public static partial void Access(ILogger logger, string method, string route, int status, double durationMs);

    /// <summary>A request rejected before routing (malformed HTTP, a limit, a timeout); nothing of it is echoed.</summary>
    [LoggerMessage(8, LogLevel.Information, "rejected {Status} {Reason}")]
    public static partial void AccessRejected(ILogger logger, int status, string reason);

    [LoggerMessage(9, LogLevel.Information, "TLS on {Urls} with the certificate {Subject}, expires {NotAfter:yyyy-MM-dd}")]
    public static partial void TlsConfigured(ILogger logger, string urls, string subject, DateTime notAfter);

    [LoggerMessage(10, LogLevel.Warning, "A reveal answered 503 while the store was slow, and its claim then took the secret: put back, it can be revealed again")]
    public static partial void LateClaimPutBack(ILogger logger);

    [LoggerMessage(11, LogLevel.Error, "A reveal answered 503 and its claim got no reply within the reply window: if the store ran it, one secret is lost")]
    public static partial void LateClaimUnknown(ILogger logger);

    [LoggerMessage(12, LogLevel.Warning, "{Option} carries a secret on the command line, which every local user can read (ps): use its environment variable or a file option instead (--help)")]
    public static partial void SecretOnCommandLine(ILogger logger, string option);
}
