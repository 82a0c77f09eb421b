using Ots.Cluster.Tests.Infrastructure;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Cluster.Tests;

/// <summary>DESIGN §2 across edges: a secret is revealed at most once, whichever edges its readers reach.</summary>
[Collection(SharedCluster.Name)]
public sealed class ExactlyOnceTests(ClusterFixture fixture)
{
    private const int Secrets = 100;
    private const int ReadersPerSecret = 4;

    [ClusterFact]
    public async Task Of_four_readers_per_secret_split_over_two_edges_exactly_one_gets_each_of_100_secrets()
    {
        var keys = await Task.WhenAll(Enumerable.Range(0, Secrets).Select(i =>
            fixture.Edges[i % 2].Client.GenerateAsync("secret " + i, "p" + i)));

        // All 400 reveals at once: readers 0 and 2 through edge A, 1 and 3 through edge B.
        var reveals = Enumerable.Range(0, Secrets).SelectMany(i => Enumerable.Range(0, ReadersPerSecret).Select(r => (Secret: i, Reader: r))).ToList();
        var responses = await Task.WhenAll(reveals.Select(x => fixture.Edges[x.Reader % 2].Client.RevealAsync(keys[x.Secret], "p" + x.Secret)));

        Assert.Equal(Secrets, responses.Count(r => r.Code == 200));
        Assert.Equal(Secrets * (ReadersPerSecret - 1), responses.Count(r => r.Code == 404 && r.Body == Http.KeyNotFound));
        foreach (var group in reveals.Zip(responses).GroupBy(x => x.First.Secret, x => x.Second))
        {
            var winner = Assert.Single(group, r => r.Code == 200);
            Assert.Equal("secret " + group.Key, Http.RevealedSecret(winner.Body));
        }
    }
}
