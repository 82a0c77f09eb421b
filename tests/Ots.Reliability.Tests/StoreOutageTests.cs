using System.Diagnostics;
using System.Net;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// DESIGN §1: store unreachable → 503 quickly, never a hang. The store first hangs (SIGSTOP: connected, silent), then
/// is gone (SIGKILL), then comes back on the same port; the edge answers 503 within the configured store timeout
/// throughout, <c>/readyz</c> says 503, no connection leaks, and it recovers by itself.
/// </summary>
public sealed class StoreOutageTests(ITestOutputHelper output)
{
    private const double StoreTimeoutSeconds = 1;

    // The store timeout, plus StackExchange.Redis's 1 s heartbeat (which evaluates timeouts), plus slack for a loaded
    // 2-core machine: a hang check, not a latency measurement.
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(StoreTimeoutSeconds + 1 + 2);

    [Fact]
    public async Task A_hung_then_dead_store_gives_bounded_503s_no_leaks_and_the_edge_recovers_by_itself()
    {
        await using var garnet = await GarnetProcess.StartAsync();
        await using var edge = await EdgeProcess.StartAsync(garnet.ConnectionString, ["--store-timeout-seconds", "1"]);
        using (var warm = edge.CreateClient())
        {
            var key = await warm.GenerateAsync("s", "p");
            await warm.AssertRevealsAsync(key, "p", "s");
        }

        var socketsBefore = edge.CountSockets();

        await garnet.PauseAsync();
        var hung = await OutageRoundAsync(edge, "hung store");

        await garnet.KillAsync();
        var dead = await OutageRoundAsync(edge, "dead store");

        // Every client connection of the rounds is closed: the edge holds what it held before (listener, store).
        var socketsAfter = await WaitForSocketsAsync(edge, socketsBefore);
        output.WriteLine($"edge sockets: {socketsBefore} before the outage, {socketsAfter} after it");
        Assert.True(socketsAfter <= socketsBefore, $"sockets: {socketsBefore} before, {socketsAfter} after: {edge.Diagnostics}");

        await garnet.RestartAsync();
        using var client = edge.CreateClient();
        var recovered = await Probe.WaitUntilAsync(() => Probe.CanGenerateAsync(client), TimeSpan.FromSeconds(30));
        Assert.True(recovered is not null, "the edge did not recover: " + edge.Diagnostics);
        output.WriteLine($"store back: edge serving 201 again after {recovered!.Value.TotalSeconds:0.0} s");
        Assert.Equal(200, await Probe.StatusAsync(edge.EndPoint, Http.Get("/readyz"), TimeSpan.FromSeconds(5)));
        Assert.True(hung > 0 && dead > 0);
    }

    [Fact]
    public async Task A_reveal_answered_503_while_the_store_hangs_does_not_consume_the_secret()
    {
        await using var garnet = await GarnetProcess.StartAsync();
        await using var edge = await EdgeProcess.StartAsync(garnet.ConnectionString, ["--store-timeout-seconds", "1"]);
        using var client = edge.CreateClient();
        var key = await client.GenerateAsync("held secret", "p");

        // The claim reaches the hung store and waits there; the edge answers 503 at its store timeout.
        await garnet.PauseAsync();
        try
        {
            var during = await Exchange.SendAsync(edge, Http.Post("/secrets/" + key, Http.RevealBody("p")));
            Http.AssertResponse(during, 503, """{"Error":"Service unavailable"}""");
        }
        finally
        {
            await garnet.ResumeAsync();
        }

        // Once the store runs again the claim completes, takes the record, and the edge puts it back.
        var putBack = await Probe.WaitUntilAsync(
            async () => (await Exchange.ScrapeAsync(edge)).Value("ots_store_late_claims_total", "outcome=\"put_back\"") == 1,
            TimeSpan.FromSeconds(15));
        Assert.True(putBack is not null, "no late claim was put back: " + edge.Diagnostics);
        await client.AssertRevealsAsync(key, "p", "held secret");
        (await client.RevealAsync(key, "p")).AssertIs(404, Http.KeyNotFound);
        Assert.Contains(edge.OutputLines, line => line.Contains("put back", StringComparison.Ordinal));
    }

    /// <summary>20 concurrent requests (generate, reveal, readyz) on fresh connections: each 503 within the bound.</summary>
    private async Task<int> OutageRoundAsync(ProcessEdgeServer edge, string what)
    {
        var counts = new StatusCounts();
        var slowest = TimeSpan.Zero;
        var requests = Enumerable.Range(0, 20).Select(i => (i % 3) switch
        {
            0 => Http.Post("/generate", Http.GenerateBody("s", "p")),
            1 => Http.Post("/secrets/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Http.RevealBody("p")),
            _ => Http.Get("/readyz"),
        });
        await Parallel.ForEachAsync(requests, async (request, _) =>
        {
            var stopwatch = Stopwatch.StartNew();
            await using var connection = await RawHttpConnection.OpenAsync(edge);
            await connection.SendAsync(request);
            var response = await connection.ReadResponseAsync(timeout: s_bound + TimeSpan.FromSeconds(5));
            var elapsed = stopwatch.Elapsed;
            lock (counts)
            {
                slowest = elapsed > slowest ? elapsed : slowest;
            }

            counts.Add(response.Status);
            Http.AssertResponse(response, 503, """{"Error":"Service unavailable"}""");
            Assert.True(elapsed < s_bound, what + ": a 503 took " + elapsed);
        });

        output.WriteLine($"{what}: {counts}, slowest {slowest.TotalSeconds:0.00} s (bound {s_bound.TotalSeconds} s)");
        Assert.Equal(20, counts[(int)HttpStatusCode.ServiceUnavailable]);
        return counts.Total;
    }

    private static async Task<int> WaitForSocketsAsync(ProcessEdgeServer edge, int target)
    {
        var count = edge.CountSockets();
        for (var i = 0; i < 50 && count > target; i++)
        {
            await Task.Delay(100);
            count = edge.CountSockets();
        }

        return count;
    }
}
