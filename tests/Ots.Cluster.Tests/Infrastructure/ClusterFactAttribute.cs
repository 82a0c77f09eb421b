namespace Ots.Cluster.Tests.Infrastructure;

/// <summary>
/// A fact that needs a real Garnet cluster, which <c>scripts/garnet-cluster.sh</c> forms with <c>redis-cli</c>:
/// reported as skipped, with the reason, when redis-cli is not on the PATH. CI installs it (redis-tools).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ClusterFactAttribute : FactAttribute
{
    public ClusterFactAttribute()
    {
        if (!ClusterFixture.CanRun)
        {
            Skip = ClusterFixture.CannotRunReason;
        }
    }
}
