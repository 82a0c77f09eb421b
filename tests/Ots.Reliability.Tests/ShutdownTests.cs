using System.Diagnostics;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// Stopping an edge: SIGTERM stops accepting, lets in-flight requests finish, closes idle keep-alive connections at
/// once, and exits 0 within <c>--shutdown-timeout-seconds</c>; SIGKILL under load loses no acknowledged secret.
/// </summary>
[Collection(SharedGarnet.Name)]
public sealed class ShutdownTests(GarnetFixture fixture, ITestOutputHelper output)
{
    // Process exit after the handlers are done includes the host's own teardown and the multiplexer's close: bounded
    // generously on a loaded machine, and still far below what a stuck connection would take.
    private static readonly TimeSpan s_exitSlack = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Sigterm_finishes_the_request_in_flight_closes_idle_connections_at_once_and_exits_0()
    {
        // A shutdown timeout far above what the exit may take: idle connections must not make the edge wait for it.
        await using var edge = await EdgeProcess.StartAsync(fixture.Garnet.ConnectionString, ["--shutdown-timeout-seconds", "30"]);

        // 50 idle keep-alive connections (each has served one request), 50 that never sent a byte, and one request
        // half sent.
        var idle = new List<RawHttpConnection>();
        for (var i = 0; i < 100; i++)
        {
            var connection = await RawHttpConnection.OpenAsync(edge);
            if (i % 2 == 0)
            {
                await connection.SendAsync(Http.Get("/healthz"));
                Http.AssertResponse(await connection.ReadResponseAsync(), 200);
            }

            idle.Add(connection);
        }

        await using var inFlight = await RawHttpConnection.OpenAsync(edge);
        var request = Http.Post("/generate", Http.GenerateBody("in flight", "p"));
        var split = request.Length - 10;
        await inFlight.SendAsync(request[..split]);
        await Task.Delay(200); // The head is parsed and the body is awaited: the request is in flight.

        var stopwatch = Stopwatch.StartNew();
        await edge.SignalAsync("TERM");

        // Idle connections are closed at once (not after the shutdown timeout).
        foreach (var connection in idle)
        {
            Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync(TimeSpan.FromSeconds(5)));
        }

        var idleClosed = stopwatch.Elapsed;

        // New connections are no longer served.
        Assert.Equal(0, await Probe.StatusAsync(edge.EndPoint, Http.Get("/healthz"), TimeSpan.FromSeconds(2)));

        // The request in flight completes, and its response says the connection closes.
        await inFlight.SendAsync(request[split..]);
        var response = await inFlight.ReadResponseAsync();
        Http.AssertCreated(response);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(ConnectionEnd.Closed, await inFlight.WaitForEndAsync());

        Assert.True(await edge.WaitForExitAsync(s_exitSlack), "no exit after the last request: " + edge.Diagnostics);
        output.WriteLine($"SIGTERM (shutdown timeout 30 s): 100 idle connections closed within {idleClosed.TotalSeconds:0.00} s, " +
            $"the request in flight answered 201, exit {edge.ExitCode} after {stopwatch.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(0, edge.ExitCode);
        Assert.True(idleClosed < TimeSpan.FromSeconds(5), "idle connections took " + idleClosed);
        foreach (var connection in idle)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task Sigterm_with_a_request_that_never_completes_exits_0_within_the_shutdown_timeout()
    {
        await using var edge = await EdgeProcess.StartAsync(fixture.Garnet.ConnectionString, ["--shutdown-timeout-seconds", "2"]);
        await using var stuck = await RawHttpConnection.OpenAsync(edge);
        var request = Http.Post("/generate", Http.GenerateBody("never", "p"));
        await stuck.SendAsync(request[..^5]);
        await Task.Delay(200);

        var stopwatch = Stopwatch.StartNew();
        await edge.SignalAsync("TERM");

        Assert.True(await edge.WaitForExitAsync(TimeSpan.FromSeconds(2) + s_exitSlack), "still running: " + edge.Diagnostics);
        output.WriteLine($"SIGTERM with a stuck request (shutdown timeout 2 s): exit {edge.ExitCode} after {stopwatch.Elapsed.TotalSeconds:0.00} s");
        Assert.Equal(0, edge.ExitCode);
        Assert.NotEqual(ConnectionEnd.StillOpen, await stuck.WaitForEndAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task Sigkill_of_an_edge_under_load_loses_no_acknowledged_secret_and_reveals_none_twice()
    {
        var victim = await EdgeProcess.StartAsync(fixture.Garnet.ConnectionString);
        var survivor = await fixture.SharedEdgeAsync(0);
        using var victimClient = victim.CreateClient();
        using var survivorClient = survivor.CreateClient();
        var load = new MixedLoad(victimClient, survivorClient);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(workers: 8, stop.Token);

        await Task.Delay(TimeSpan.FromSeconds(3));
        await victim.SignalAsync("KILL");
        Assert.True(await victim.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await running;
        await victim.DisposeAsync();

        var verification = await load.VerifyAsync(survivorClient);
        output.WriteLine($"SIGKILL of one of two edges: {load.GenerateFailed} generates and {load.RevealFailed} reveals cut off; {verification}");
        Assert.Equal(0, load.UnexpectedAnswers);
        Assert.True(load.GenerateFailed + load.RevealFailed > 0, "the kill did not interrupt the load");
        Assert.Equal(0, verification.Lost);
        Assert.Equal(0, verification.LostAsIncorrectPhrase);
        Assert.Equal(0, verification.RevealedTwice);
    }
}
