namespace Ots.Edge.Tests.Infrastructure;

/// <summary>A fact that needs <c>curl</c> on the PATH; reported as skipped, with the reason, without it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class CurlFactAttribute : FactAttribute
{
    public CurlFactAttribute()
    {
        if (Curl.Path is null)
        {
            Skip = "curl is not on the PATH: install it (apt-get install curl) to run the real-client tests";
        }
    }
}

/// <summary>
/// A fact that restarts the edge on the same data directory, so it needs the embedded store (in-process or
/// process mode); skipped for a binary run against an external store.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class EmbeddedStoreFactAttribute : FactAttribute
{
    public EmbeddedStoreFactAttribute()
    {
        if (!EdgeServer.HasEmbeddedStore)
        {
            Skip = EdgeServer.ModeVariable + "=" + EdgeServer.Mode + " uses an external store: restart durability is the store's own test";
        }
    }
}
