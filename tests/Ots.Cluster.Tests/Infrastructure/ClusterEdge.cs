using Ots.Edge.Hosting;

namespace Ots.Cluster.Tests.Infrastructure;

/// <summary>An edge in this process (<see cref="EdgeHost.TryStartAsync"/>) whose store is the whole cluster.</summary>
public sealed class ClusterEdge : IAsyncDisposable
{
    private readonly RunningEdge _edge;

    private ClusterEdge(RunningEdge edge, string name)
    {
        _edge = edge;
        Name = name;
        BaseUri = new Uri(edge.Addresses.Single() + "/");

        // A pool of its own, unlimited connections: racing readers really race.
        Client = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>For messages: "edge A".</summary>
    public string Name { get; }

    public Uri BaseUri { get; }

    public HttpClient Client { get; }

    /// <summary>Starts an edge on a port Kestrel picks with <c>--store</c> <paramref name="store"/>, and <paramref name="options"/>.</summary>
    public static async Task<ClusterEdge> StartAsync(string name, string store, params string[] options)
    {
        // --max-failed-reveals 0: every test client is 127.0.0.1, and these tests make 404s on purpose (the limit has its own tests).
        string[] args = ["--urls", "http://127.0.0.1:0", "--store", store, "--Logging:LogLevel:Default=Warning", "--max-failed-reveals", "0", .. options];
        using var error = new StringWriter();
        var edge = await EdgeHost.TryStartAsync(args, error)
            ?? throw new InvalidOperationException(name + " did not start: " + error);
        return new ClusterEdge(edge, name);
    }

    /// <summary>GET /readyz: the status code.</summary>
    public async Task<int> ReadyzAsync()
    {
        using var response = await Client.GetAsync(new Uri("readyz", UriKind.Relative));
        return (int)response.StatusCode;
    }

    /// <summary>Polls /readyz until it answers <paramref name="status"/>; false after <paramref name="within"/>.</summary>
    public async Task<bool> WaitForReadyzAsync(int status, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (await ReadyzAsync() == status)
            {
                return true;
            }

            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(200);
        }
    }

    /// <summary>A sample of <c>GET /metrics</c>, e.g. <c>ots_store_late_claims_total{outcome="put_back"}</c>; 0 when absent.</summary>
    public async Task<double> MetricAsync(string series)
    {
        var text = await Client.GetStringAsync(new Uri("metrics", UriKind.Relative));
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.AsSpan(series.Length + 1), System.Globalization.CultureInfo.InvariantCulture);
    }

    public override string ToString() => Name + " " + BaseUri;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _edge.DisposeAsync();
    }
}
