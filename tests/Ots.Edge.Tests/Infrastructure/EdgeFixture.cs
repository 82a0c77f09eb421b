namespace Ots.Edge.Tests.Infrastructure;

/// <summary>
/// One edge for a whole test class or collection, started in the mode of the run (<see cref="EdgeServer.Mode"/>).
/// Subclasses that pass <see cref="Arguments"/> give a class its own server with special options.
/// </summary>
public class EdgeFixture : IAsyncLifetime, IDisposable
{
    private EdgeServer? _server;
    private HttpClient? _client;

    public EdgeServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>A real client for the server: <c>SocketsHttpHandler</c>, its own connection pool.</summary>
    public HttpClient Client => _client ?? throw new InvalidOperationException("The fixture has not started.");

    /// <summary>Extra command-line options of this fixture's edge.</summary>
    protected virtual IReadOnlyList<string> Arguments => [];

    public async Task InitializeAsync()
    {
        _server = await EdgeServer.StartAsync(new EdgeServerOptions { Arguments = Arguments });
        _client = new HttpClient { BaseAddress = _server.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
    }

    public async Task DisposeAsync()
    {
        Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
            _server = null;
        }
    }

    public void Dispose()
    {
        _client?.Dispose();
        _client = null;
        GC.SuppressFinalize(this);
    }
}

/// <summary>The test classes that share the default edge; they run one after another, on one server.</summary>
[CollectionDefinition(Name)]
public sealed class SharedEdge : ICollectionFixture<EdgeFixture>
{
    public const string Name = "shared edge";
}
