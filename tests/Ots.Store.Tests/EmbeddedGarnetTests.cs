using System.Net;
using System.Net.Sockets;
using Garnet.common;
using Ots.Edge.Store;
using Ots.Store.Tests.Infrastructure;

namespace Ots.Store.Tests;

public sealed class EmbeddedGarnetTests : IDisposable
{
    private readonly TempDirectory _directory = new("ots-garnet-host-");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Starts_on_a_new_nested_data_directory_with_commit_wait()
    {
        var dataDirectory = Path.Combine(_directory.Path, "nested", "data");
        var options = new EmbeddedGarnetOptions { DataDirectory = dataDirectory, WaitForCommit = true };
        var secret = Secret.New();
        await using (var running = await RunningGarnet.StartAsync(options))
        {
            Assert.Equal(IPAddress.Loopback, running.Garnet.EndPoint.Address);
            Assert.NotEqual(0, running.Garnet.EndPoint.Port);
            Assert.Equal("127.0.0.1:" + running.Garnet.EndPoint.Port, running.Garnet.ConnectionString);
            var secrets = new SecretStore(running.Connection, maxPhraseAttempts: 5);
            Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, TimeSpan.FromMinutes(5)));
        }

        Assert.True(Directory.Exists(Path.Combine(dataDirectory, "AOF")));
        await using var restarted = await RunningGarnet.StartAsync(options);
        using var revealed = await new SecretStore(restarted.Connection, maxPhraseAttempts: 5).RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
    }

    [Fact]
    public void A_fixed_port_that_is_taken_fails_the_start()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        Assert.Throws<GarnetException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Port = port }));
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, MemorySize = 1024 * 1024 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Port = -1 }));
        Assert.Throws<ArgumentException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = " " }));
    }
}
