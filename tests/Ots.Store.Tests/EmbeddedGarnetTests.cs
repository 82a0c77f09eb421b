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
            Assert.StartsWith("127.0.0.1:" + running.Garnet.EndPoint.Port + ",password=", running.Garnet.ConnectionString, StringComparison.Ordinal);
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
    public async Task A_client_without_the_password_gets_nothing_but_NOAUTH()
    {
        using var garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path });

        // Raw RESP over a socket, as any local process could send it: not even PING or a read is served.
        Assert.StartsWith("-NOAUTH", await SendRawAsync(garnet.EndPoint, "PING\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("-NOAUTH", await SendRawAsync(garnet.EndPoint, "*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("-", await SendRawAsync(garnet.EndPoint, "*2\r\n$4\r\nAUTH\r\n$5\r\nguess\r\n"), StringComparison.Ordinal);

        // The connection string carries it: a multiplexer built from it is served.
        await using var connection = await StoreConnection.ConnectAsync(garnet.ConnectionString, StoreConnection.DefaultTimeout);
        Assert.True(await new SecretStore(connection, maxPhraseAttempts: 5).PingAsync());
    }

    [Fact]
    public async Task Each_start_makes_up_a_new_password_unless_one_is_given()
    {
        string first;
        using (var garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path }))
        {
            first = garnet.ConnectionString;
        }

        using (var garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path }))
        {
            Assert.NotEqual(PasswordOf(first), PasswordOf(garnet.ConnectionString));
            Assert.True(PasswordOf(garnet.ConnectionString).Length >= 43, "256 random bits in base64url");
        }

        using (var garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Password = "kept-across-restarts" }))
        {
            Assert.Equal("kept-across-restarts", PasswordOf(garnet.ConnectionString));
            await using var connection = await StoreConnection.ConnectAsync(garnet.ConnectionString, StoreConnection.DefaultTimeout);
            Assert.True(await new SecretStore(connection, maxPhraseAttempts: 5).PingAsync());
        }
    }

    [Fact]
    public void Bad_options_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Password = " " }));
        Assert.Throws<ArgumentException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Password = "a,b" }));
        Assert.Throws<ArgumentException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Password = "a=b" }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, MemorySize = 1024 * 1024 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = _directory.Path, Port = -1 }));
        Assert.Throws<ArgumentException>(() => EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = " " }));
    }

    private static string PasswordOf(string connectionString) => connectionString[(connectionString.IndexOf(",password=", StringComparison.Ordinal) + ",password=".Length)..];

    private static async Task<string> SendRawAsync(IPEndPoint endPoint, string command)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await socket.ConnectAsync(endPoint, timeout.Token);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes(command), SocketFlags.None, timeout.Token);
        var reply = new byte[256];
        var length = await socket.ReceiveAsync(reply, SocketFlags.None, timeout.Token);
        return System.Text.Encoding.ASCII.GetString(reply, 0, length);
    }
}
