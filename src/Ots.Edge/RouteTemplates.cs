using Ots.Protocol.Http;

namespace Ots.Edge;

/// <summary>
/// The path template of each <see cref="RequestTarget"/>: what metrics and the access log say about a request's
/// path. A key is never written: <c>/secrets/…</c> is always <c>/secrets/{key}</c>, and a path that matched no route
/// is <c>other</c>, whatever it was (it could be a key pasted in the wrong place).
/// </summary>
internal static class RouteTemplates
{
    /// <summary>The template of <paramref name="target"/>.</summary>
    public static string Of(RequestTarget target) => target switch
    {
        RequestTarget.Generate => "/generate",
        RequestTarget.Secret => "/secrets/{key}",
        RequestTarget.Health => "/healthz",
        RequestTarget.Ready => "/readyz",
        RequestTarget.Metrics => "/metrics",
        RequestTarget.OpenApi => "/openapi.yaml",
        _ => "other",
    };

    /// <summary>The method as the parser classified it; any other token is <c>OTHER</c>, never echoed.</summary>
    public static string Of(KnownMethod method) => method switch
    {
        KnownMethod.Get => "GET",
        KnownMethod.Head => "HEAD",
        KnownMethod.Post => "POST",
        _ => "OTHER",
    };
}
