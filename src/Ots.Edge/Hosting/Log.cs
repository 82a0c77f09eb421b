using Microsoft.Extensions.Logging;

namespace Ots.Edge.Hosting;

/// <summary>
/// Every log line of the edge, source-generated. None takes a secret, a phrase, a key or a request path:
/// what can be logged is decided here, in one place.
/// </summary>
internal static partial class Log
{
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
}
