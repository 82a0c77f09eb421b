using Ots.Edge.Hosting;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>The edge hosted in the test process by <see cref="EdgeHost.TryStartAsync"/>, on a port Kestrel picks.</summary>
public sealed class InProcessEdgeServer : EdgeServer
{
    private readonly RunningEdge _edge;
    private readonly TempDirectory? _ownedDataDirectory;
    private readonly string _description;

    private InProcessEdgeServer(RunningEdge edge, int port, TempDirectory? ownedDataDirectory, string description)
        : base(port)
    {
        _edge = edge;
        _ownedDataDirectory = ownedDataDirectory;
        _description = description;
    }

    /// <inheritdoc />
    public override string Diagnostics => _description;

    /// <summary>Starts an edge with <c>--urls http://127.0.0.1:0 --data-dir DIR</c> plus <paramref name="arguments"/>.</summary>
    public static async Task<EdgeServer> StartAsync(IReadOnlyList<string> arguments, string? dataDirectory)
    {
        var owned = dataDirectory is null ? new TempDirectory("ots-edge-tests-") : null;
        try
        {
            string[] args = ["--urls", "http://127.0.0.1:0", "--data-dir", dataDirectory ?? owned!.Path, .. arguments];
            using var error = new StringWriter();
            var edge = await EdgeHost.TryStartAsync(args, error)
                ?? throw new InvalidOperationException("The in-process edge did not start: " + error);

            // Kestrel reports the port it bound: http://127.0.0.1:43210. An operations listener (--metrics-urls) is
            // bound after the --urls one, so its address comes second.
            var port = new Uri(edge.Addresses[0]).Port;
            return new InProcessEdgeServer(edge, port, owned, "in-process edge " + string.Join(' ', args));
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _edge.DisposeAsync();
        _ownedDataDirectory?.Dispose();
    }
}
