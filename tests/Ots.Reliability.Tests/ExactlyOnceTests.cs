using System.Diagnostics;
using System.Globalization;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// DESIGN §2: a secret is revealed at most once, under any concurrency, across any number of edges. Two edge processes
/// on one standalone Garnet; every secret is raced by 8 readers with the right phrase, 4 through each edge.
/// </summary>
[Collection(SharedGarnet.Name)]
public sealed class ExactlyOnceTests(GarnetFixture fixture, ITestOutputHelper output)
{
    private const int Readers = 8;

    // 1,000 by default; OTS_RELIABILITY_SECRETS scales it (down on a slow machine, up for a soak run).
    private static readonly int s_secrets = int.TryParse(
        Environment.GetEnvironmentVariable("OTS_RELIABILITY_SECRETS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1000;

    [Fact]
    public async Task Each_secret_raced_by_8_readers_on_two_edges_is_revealed_exactly_once()
    {
        var edgeA = await fixture.SharedEdgeAsync(0);
        var edgeB = await fixture.SharedEdgeAsync(1);
        using var clientA = edgeA.CreateClient(maxConnections: 64);
        using var clientB = edgeB.CreateClient(maxConnections: 64);

        var stopwatch = Stopwatch.StartNew();
        var secrets = new (string Key, string Secret, string Phrase)[s_secrets];
        await Parallel.ForAsync(0, s_secrets, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var secret = "secret-" + i.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N");
            var phrase = "phrase-" + i.ToString(CultureInfo.InvariantCulture);
            var key = await (i % 2 == 0 ? clientA : clientB).GenerateAsync(secret, phrase);
            secrets[i] = (key, secret, phrase);
        });
        var generated = stopwatch.Elapsed;

        // 16 secrets at a time, each with all 8 readers released together: 128 requests in flight.
        var counts = new StatusCounts();
        var winners = new int[s_secrets];
        await Parallel.ForAsync(0, s_secrets, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var (key, secret, phrase) = secrets[i];
            using var go = new SemaphoreSlim(0);
            var readers = new Task[Readers];
            for (var r = 0; r < Readers; r++)
            {
                var client = r % 2 == 0 ? clientA : clientB;
                readers[r] = Task.Run(async () =>
                {
                    await go.WaitAsync();
                    var response = await client.RevealAsync(key, phrase);
                    counts.Add(response.Status);
                    if (response.Code == 200)
                    {
                        Assert.Equal(secret, Http.RevealedSecret(response.Body));
                        Interlocked.Increment(ref winners[i]);
                    }
                    else
                    {
                        response.AssertIs(404, Http.KeyNotFound);
                    }
                }, CancellationToken.None);
            }

            go.Release(Readers);
            await Task.WhenAll(readers);
        });

        output.WriteLine($"{s_secrets} secrets (generated in {generated.TotalSeconds:0.0} s), {Readers} readers each over 2 edges, " +
            $"{stopwatch.Elapsed.TotalSeconds:0.0} s in all: {counts}");
        Assert.Equal(s_secrets, counts[200]);
        Assert.Equal(s_secrets * (Readers - 1), counts[404]);
        Assert.Equal(s_secrets * Readers, counts.Total);
        Assert.All(winners, count => Assert.Equal(1, count));
    }
}
