using Ots.Cluster.Tests.Infrastructure;
using Ots.Edge.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Cluster.Tests;

/// <summary>The API unchanged on a Garnet cluster, through two edges: slot routing is the client library's business.</summary>
[Collection(SharedCluster.Name)]
public sealed class ClusterApiTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [ClusterFact]
    public async Task Both_edges_are_ready_while_every_slot_is_served()
    {
        foreach (var edge in fixture.Edges)
        {
            Assert.True(await edge.WaitForReadyzAsync(200, TimeSpan.FromSeconds(10)), edge + " is not ready");
        }
    }

    [ClusterFact]
    public async Task Generate_reveal_wrong_phrase_attempt_limit_and_unknown_keys_work_across_edges()
    {
        var (a, b) = (fixture.A.Client, fixture.B.Client);

        // Made on one edge, revealed on the other, once.
        var key = await a.GenerateAsync("on the cluster", "right");
        (await b.RevealAsync(key, "wrong")).AssertIs(403, Http.IncorrectPhrase);
        await b.AssertRevealsAsync(key, "right", "on the cluster");
        (await a.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);
        (await b.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);

        // Five wrong phrases, from both edges, destroy it (the default MaxPhraseAttempts).
        var guessed = await b.GenerateAsync("guessed at", "right");
        for (var attempt = 0; attempt < 5; attempt++)
        {
            (await (attempt % 2 == 0 ? a : b).RevealAsync(guessed, "wrong " + attempt)).AssertIs(403, Http.IncorrectPhrase);
        }

        (await a.RevealAsync(guessed, "right")).AssertIs(404, Http.KeyNotFound);
        (await b.RevealAsync(guessed, "wrong")).AssertIs(404, Http.KeyNotFound);

        // Unknown and malformed keys.
        (await a.RevealAsync("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "p")).AssertIs(404, Http.KeyNotFound);
        (await b.RevealAsync("not-a-key", "p")).AssertIs(404, Http.KeyNotFound);

        // Expiry works per node: a one-second secret is gone after it.
        var brief = await a.GenerateAsync("brief", "p", """{"seconds":1}""");
        await Task.Delay(1500);
        (await b.RevealAsync(brief, "p")).AssertIs(404, Http.KeyNotFound);
    }

    [ClusterFact]
    public async Task Sixty_secrets_spread_over_every_primary()
    {
        var keys = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            fixture.Edges[i % 2].Client.GenerateAsync("spread " + i, "p")));

        // Where each secret lives, by its slot and the cluster's own slot map.
        var map = await fixture.Cluster.NodesAsync(fixture.Cluster.Ports[0]);
        var perNode = keys.GroupBy(k => map.GetBySlot(fixture.SlotOf(k))!.EndPoint!.ToString()!).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("secrets per node: " + string.Join(", ", perNode.Select(p => p.Key + "=" + p.Value)));

        foreach (var port in fixture.Cluster.Ports)
        {
            var keysOnNode = await fixture.Cluster.KeyCountAsync(port);
            output.WriteLine("DBSIZE " + port + " = " + keysOnNode);
            Assert.True(keysOnNode > 0, "node " + port + " holds no key");
        }

        Assert.Equal(map.Nodes.Count(n => !n.IsReplica && n.Slots.Count > 0), perNode.Count);

        // And each reveals, once, through either edge.
        await Task.WhenAll(keys.Select((k, i) => fixture.Edges[(i + 1) % 2].Client.AssertRevealsAsync(k, "p", "spread " + i)));
    }
}
