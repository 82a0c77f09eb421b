using Ots.Edge.Tests.Infrastructure;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>
/// The edges of this suite: the JIT build, <c>dotnet Ots.Edge.dll --store …</c>, as a child process
/// (<see cref="ProcessEdgeServer"/>: every line it writes is kept, and it can be signalled, timed to its exit and
/// inspected through <c>/proc</c>), reached only through sockets, like a production edge.
/// </summary>
public static class EdgeProcess
{
    /// <summary>
    /// Starts an edge on <paramref name="store"/> and returns once <c>/healthz</c> answers. The failed-reveal limit is
    /// off unless <paramref name="arguments"/> sets it (most tests here make many 404s on purpose, from one address).
    /// </summary>
    public static Task<ProcessEdgeServer> StartAsync(string store, IReadOnlyList<string>? arguments = null, string logLevel = "Warning")
    {
        var edgeDll = Path.Combine(AppContext.BaseDirectory, "Ots.Edge.dll");
        Assert.True(File.Exists(edgeDll), "missing " + edgeDll);
        return ProcessEdgeServer.StartDllAsync(
            edgeDll,
            ["--store", store, "--Logging:LogLevel:Default=" + logLevel, "--max-failed-reveals", "0", .. arguments ?? []],
            dataDirectory: null);
    }

    /// <summary>A client with its own connection pool for <paramref name="edge"/>.</summary>
    public static HttpClient CreateClient(this EdgeServer edge, int maxConnections = 32, TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = edge.BaseUri,
            Timeout = timeout ?? TimeSpan.FromSeconds(20),
        };
}
