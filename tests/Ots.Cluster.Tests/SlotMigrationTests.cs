using System.Diagnostics;
using Ots.Cluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Cluster.Tests;

/// <summary>
/// Resharding while the service runs: slots move from one primary to another under a generate/reveal load through
/// both edges, and afterwards no acknowledged secret is lost and none was revealed twice. StackExchange.Redis
/// follows the MOVED and ASK redirections; both keys of a secret share a slot, so they always move together.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed class SlotMigrationTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Workers = 8;
    private const int SeededSecrets = 300;

    // Filler keys in the moving slots stretch the migration to seconds, so that the load meets it. Moving by hand
    // is slow enough without many: Garnet 2.2.8's CLUSTER GETKEYSINSLOT scans the node's whole store.
    private const int FillerBytes = 512;

    private static readonly string[] s_lateClaimOutcomes = ["put_back", "took_nothing", "expired", "unknown"];

    [ClusterFact]
    public async Task Slots_moved_with_MIGRATE_SLOTSRANGE_under_load_lose_no_secret_and_reveal_none_twice()
    {
        var move = await SlotMigration.PlanAsync(fixture.Cluster, maxSlots: 4096);
        await RunUnderLoadAsync(move, fillers: 10000, () => SlotMigration.MoveWithSlotsRangeAsync(fixture.Cluster, move));
    }

    [ClusterFact]
    public async Task Slots_moved_by_hand_with_SETSLOT_and_MIGRATE_KEYS_under_load_lose_no_secret_and_reveal_none_twice()
    {
        var move = await SlotMigration.PlanAsync(fixture.Cluster, maxSlots: 128);
        await RunUnderLoadAsync(move, fillers: 1000, async () => output.WriteLine("MIGRATE KEYS moved " + await SlotMigration.MoveByHandAsync(fixture.Cluster, move) + " keys"));
    }

    private async Task RunUnderLoadAsync(SlotMove move, int fillers, Func<Task> migrate)
    {
        output.WriteLine(move.ToString());
        var fillerKeys = await SlotMigration.FillAsync(fixture.Cluster, move, fillers, FillerBytes);

        // An edge that gives up on the store sooner than Garnet holds writes to the keys it is moving: its reveals
        // answer 503 while their claims still run, which is the path that must lose nothing (late claims put back).
        await using var impatient = await ClusterEdge.StartAsync("edge C (store timeout 0.2 s)", fixture.Cluster.Configuration, "--store-timeout-seconds", "0.2");
        var load = new SecretLoad([fixture.A, impatient]);
        await load.SeedAsync(SeededSecrets);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(Workers, stop.Token);
        try
        {
            await Task.Delay(500);
            var stopwatch = Stopwatch.StartNew();
            await migrate();
            output.WriteLine("migrated under load in " + stopwatch.ElapsedMilliseconds + " ms");

            // The load goes on against the new owner for a moment.
            await Task.Delay(1000);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        // The fillers moved with their slots (the load's secrets are checked below); then they go.
        Assert.Equal(fillerKeys.Count, await SlotMigration.CountOnTargetAsync(fixture.Cluster, move, fillerKeys));
        await SlotMigration.DeleteAsync(fixture.Cluster, fillerKeys);
        var moved = load.Acknowledged.Count(e => move.Contains(fixture.SlotOf(e.Key)));
        output.WriteLine("acknowledged secrets in the moved slots: " + moved);
        Assert.True(moved > 0, "no secret of the load lived in the moved slots: the test proved nothing");

        output.WriteLine(await load.VerifyAsync(key => move.Contains(fixture.SlotOf(key))));
        output.WriteLine("late claims of " + impatient.Name + ": " + string.Join(", ", await Task.WhenAll(
            s_lateClaimOutcomes.Select(async outcome =>
                outcome + " " + await impatient.MetricAsync("ots_store_late_claims_total{outcome=\"" + outcome + "\"}")))));
        foreach (var edge in fixture.Edges.Append(impatient))
        {
            Assert.True(await edge.WaitForReadyzAsync(200, TimeSpan.FromSeconds(10)), edge + " is not ready after the move");
        }
    }
}
