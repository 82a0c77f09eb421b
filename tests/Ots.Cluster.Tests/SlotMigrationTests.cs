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

        var load = new SecretLoad(fixture.Edges);
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
        foreach (var edge in fixture.Edges)
        {
            Assert.True(await edge.WaitForReadyzAsync(200, TimeSpan.FromSeconds(10)), edge + " is not ready after the move");
        }
    }
}
