using Ots.Edge.Tests.Infrastructure;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>
/// One standalone Garnet (scripts/garnet.sh) for the classes that do not break it, and up to two edges on it with the
/// default options plus short header and body timeouts (2 s, for the slowloris tests), started when first asked for.
/// A child edge takes seconds to start on a loaded machine: sharing them keeps the suite's time down.
/// </summary>
public sealed class GarnetFixture : IAsyncLifetime
{
    private readonly ProcessEdgeServer?[] _edges = new ProcessEdgeServer?[2];
    private GarnetProcess? _garnet;

    public GarnetProcess Garnet => _garnet ?? throw new InvalidOperationException("not started");

    /// <summary>Shared edge 0 or 1; tests must leave it running and unharmed.</summary>
    public async Task<ProcessEdgeServer> SharedEdgeAsync(int index) =>
        _edges[index] ??= await EdgeProcess.StartAsync(Garnet.ConnectionString, ["--header-timeout-seconds", "2", "--body-timeout-seconds", "2"]);

    public async Task InitializeAsync() => _garnet = await GarnetProcess.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var edge in _edges)
        {
            if (edge is not null)
            {
                await edge.DisposeAsync();
            }
        }

        if (_garnet is not null)
        {
            await _garnet.DisposeAsync();
        }
    }
}

/// <summary>The classes that share one Garnet and leave it running.</summary>
[CollectionDefinition(Name)]
public sealed class SharedGarnet : ICollectionFixture<GarnetFixture>
{
    public const string Name = "shared garnet";
}
