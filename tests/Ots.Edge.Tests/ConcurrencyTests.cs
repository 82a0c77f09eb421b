using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>DESIGN §2: a secret is revealed at most once, under any concurrency.</summary>
[Collection(SharedEdge.Name)]
public sealed class ConcurrencyTests(EdgeFixture fixture)
{
    private const int Readers = 100;

    [Fact]
    public async Task Of_100_concurrent_readers_on_separate_connections_exactly_one_gets_the_secret()
    {
        var key = await fixture.Client.GenerateAsync("only once", "p");
        var request = System.Text.Encoding.UTF8.GetBytes(Http.Post("/secrets/" + key, Http.RevealBody("p")));

        // Connect everyone first, then send all requests together, so they really race in the edge and the store.
        var connections = await Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => RawHttpConnection.OpenAsync(fixture.Server)));
        try
        {
            await Task.WhenAll(connections.Select(c => c.SendAsync(request)));
            var responses = await Task.WhenAll(connections.Select(c => c.ReadResponseAsync(timeout: TimeSpan.FromSeconds(10))));

            var winner = Assert.Single(responses, r => r.Status == 200);
            Assert.Equal("only once", Http.AssertRevealed(winner));
            Assert.Equal(Readers - 1, responses.Count(r => r.Status == 404 && r.BodyText == Http.KeyNotFound));
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Concurrent_readers_of_many_secrets_each_get_their_own_exactly_once()
    {
        // 20 secrets, 5 racing readers each, all at once through HttpClient's pool.
        var keys = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => fixture.Client.GenerateAsync("secret " + i, "p" + i)));

        var secrets = Enumerable.Range(0, keys.Length).SelectMany(i => Enumerable.Repeat(i, 5)).ToList();
        var responses = await Task.WhenAll(secrets.Select(i => fixture.Client.RevealAsync(keys[i], "p" + i)));

        foreach (var group in secrets.Zip(responses).GroupBy(pair => pair.First, pair => pair.Second))
        {
            var winner = Assert.Single(group, r => r.Code == 200);
            Assert.Equal("secret " + group.Key, Http.RevealedSecret(winner.Body));
            Assert.All(group.Where(r => r.Code != 200), r => r.AssertIs(404, Http.KeyNotFound));
        }
    }
}
