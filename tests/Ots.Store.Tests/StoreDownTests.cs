using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Ots.Edge.Store;
using Ots.Store.Tests.Infrastructure;
using StackExchange.Redis;

namespace Ots.Store.Tests;

/// <summary>
/// A store that is down or hung turns into a quick answer (false / an exception the edge maps to 503), never a
/// hang. The bounds are generous: these are hang checks, not performance assertions.
/// </summary>
public sealed class StoreDownTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_hangBound = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Nothing_listening_ping_is_false_and_store_calls_throw_quickly()
    {
        var port = LoopbackPort.Reserve();
        var elapsed = Stopwatch.StartNew();
        await using var connection = await StoreConnection.ConnectAsync("127.0.0.1:" + port, s_timeout);
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, s_hangBound);
        var secrets = new SecretStore(connection, maxPhraseAttempts: 5);
        var secret = Secret.New();

        elapsed.Restart();
        Assert.False(await secrets.PingAsync());
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));

        await AssertFailsQuickly(() => secrets.RevealAsync(secret.Id, secret.Tag));
        await AssertFailsQuickly(() => secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task A_silent_store_ping_is_false_and_store_calls_throw_quickly()
    {
        // Accepts connections and never answers: the handshake never completes.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var accepted = new List<Socket>();
        _ = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await listener.AcceptAsync());
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });

        var elapsed = Stopwatch.StartNew();
        await using var connection = await StoreConnection.ConnectAsync(listener.LocalEndPoint!.ToString()!, s_timeout);
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, s_hangBound);
        var secrets = new SecretStore(connection, maxPhraseAttempts: 5);
        var secret = Secret.New();

        elapsed.Restart();
        Assert.False(await secrets.PingAsync());
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(3));
        await AssertFailsQuickly(() => secrets.RevealAsync(secret.Id, secret.Tag));
    }

    [Fact]
    public async Task A_store_restart_fails_requests_quickly_then_recovers()
    {
        using var directory = new TempDirectory("ots-garnet-down-");
        // One password for both starts: the multiplexer reconnects with the one it was given.
        const string Password = "same-store-after-the-restart";
        var garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = directory.Path, Password = Password });
        var port = garnet.EndPoint.Port;
        await using var connection = await StoreConnection.ConnectAsync(garnet.ConnectionString, s_timeout);
        var secrets = new SecretStore(connection, maxPhraseAttempts: 5);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, TimeSpan.FromMinutes(5)));

        garnet.Dispose();
        await AssertFailsQuickly(() => secrets.RevealAsync(secret.Id, secret.Tag));
        Assert.False(await secrets.PingAsync());

        using var restarted = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = directory.Path, Port = port, Password = Password });
        var deadline = Stopwatch.StartNew();
        while (!await secrets.PingAsync())
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "the multiplexer should reconnect by itself");
            await Task.Delay(100);
        }

        using var revealed = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
    }

    private static async Task AssertFailsQuickly(Func<Task> storeCall)
    {
        var elapsed = Stopwatch.StartNew();
        var exception = await Record.ExceptionAsync(storeCall);
        Assert.InRange(elapsed.Elapsed, TimeSpan.Zero, s_hangBound);
        Assert.True(
            exception is RedisConnectionException or RedisTimeoutException,
            "expected RedisConnectionException or RedisTimeoutException, got " + (exception?.GetType().Name ?? "no exception"));
    }
}
