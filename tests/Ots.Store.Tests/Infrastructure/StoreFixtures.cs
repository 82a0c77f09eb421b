using Ots.Edge.Store;
using StackExchange.Redis;

namespace Ots.Store.Tests.Infrastructure;

/// <summary>One running store and a multiplexer to it, shared by the tests of a class.</summary>
public abstract class StoreFixture : IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    /// <summary>The store's connection string.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Connected with the edge's own options (<see cref="StoreConnection"/>).</summary>
    public IConnectionMultiplexer Connection => _connection ?? throw new InvalidOperationException("The store is not running.");

    public async Task InitializeAsync()
    {
        var connectionString = await StartStoreAsync();
        if (connectionString is null)
        {
            return;
        }

        ConnectionString = connectionString;
        _connection = await StoreConnection.ConnectAsync(connectionString, StoreConnection.DefaultTimeout);
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        StopStore();
    }

    /// <summary>Starts the store; null when it cannot run here (its tests are skipped).</summary>
    protected abstract Task<string?> StartStoreAsync();

    protected abstract void StopStore();
}

/// <summary>Garnet embedded in the test process, on a temporary data directory.</summary>
public sealed class GarnetFixture : StoreFixture
{
    private string? _directory;
    private EmbeddedGarnet? _garnet;

    protected override Task<string?> StartStoreAsync()
    {
        _directory = Directory.CreateTempSubdirectory("ots-garnet-").FullName;
        _garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory });
        return Task.FromResult<string?>(_garnet.ConnectionString);
    }

    protected override void StopStore()
    {
        _garnet?.Dispose();
        if (_directory is not null)
        {
            TempDirectory.Delete(_directory);
        }
    }
}

/// <summary>A real redis-server process; not started when redis-server is not installed.</summary>
public sealed class RedisFixture : StoreFixture
{
    private RedisServer? _server;

    protected override async Task<string?> StartStoreAsync()
    {
        if (RedisServer.SkipReason is not null)
        {
            return null;
        }

        _server = await RedisServer.StartAsync();
        return _server.ConnectionString;
    }

    protected override void StopStore() => _server?.Dispose();
}
