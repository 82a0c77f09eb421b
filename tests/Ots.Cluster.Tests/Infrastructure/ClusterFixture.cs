using System.Buffers.Text;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace Ots.Cluster.Tests.Infrastructure;

/// <summary>
/// One Garnet cluster (three primaries) and two edges on it, A and B, for every test in the collection: forming a
/// cluster takes tens of seconds on a busy box, so the tests share it, one after another, and each leaves the
/// cluster serving every slot (possibly with slots moved).
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly IMessageSink _sink;
    private GarnetCluster? _cluster;
    private ClusterEdge? _a;
    private ClusterEdge? _b;

    public ClusterFixture(IMessageSink sink)
    {
        _sink = sink;
    }

    /// <summary>False when redis-cli is missing: the tests are then skipped with <see cref="CannotRunReason"/>.</summary>
    public static bool CanRun { get; } = OnPath("redis-cli") && OnPath("bash");

    public static string CannotRunReason =>
        "redis-cli (and bash) must be on the PATH to form a Garnet cluster: apt-get install redis-tools (CI installs it)";

    public GarnetCluster Cluster => _cluster ?? throw new InvalidOperationException("The fixture has not started.");

    public ClusterEdge A => _a ?? throw new InvalidOperationException("The fixture has not started.");

    public ClusterEdge B => _b ?? throw new InvalidOperationException("The fixture has not started.");

    public IReadOnlyList<ClusterEdge> Edges => [A, B];

    /// <summary>The guard key of a secret, <c>ots:{&lt;id&gt;}</c>: the id is the first 16 bytes of the decoded key.</summary>
    public static string GuardKey(string secretKey) =>
        "ots:{" + Base64Url.EncodeToString(Base64Url.DecodeFromChars(secretKey).AsSpan(0, 16)) + "}";

    /// <summary>The cluster slot of a secret (both its keys share it).</summary>
    public int SlotOf(string secretKey) => Cluster.Admin.GetHashSlot(GuardKey(secretKey));

    public async Task InitializeAsync()
    {
        if (!CanRun)
        {
            return;
        }

        _cluster = await GarnetCluster.StartAsync(Log);

        // If the test host dies before DisposeAsync, the nodes (in their own sessions) would outlive it.
        AppDomain.CurrentDomain.ProcessExit += StopOnExit;
        _a = await ClusterEdge.StartAsync("edge A", _cluster.Configuration);
        _b = await ClusterEdge.StartAsync("edge B", _cluster.Configuration);
    }

    public async Task DisposeAsync()
    {
        if (_a is not null)
        {
            await _a.DisposeAsync();
        }

        if (_b is not null)
        {
            await _b.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
            AppDomain.CurrentDomain.ProcessExit -= StopOnExit;
        }
    }

    private void StopOnExit(object? sender, EventArgs e) => _cluster?.DownNow();

    private void Log(string message) => _sink.OnMessage(new DiagnosticMessage(message));

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Any(directory => directory.Length > 0 && File.Exists(Path.Combine(directory, program)));
}

/// <summary>The cluster test classes: one cluster, run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class SharedCluster : ICollectionFixture<ClusterFixture>
{
    public const string Name = "garnet cluster";
}
