using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Ots.Cluster.Tests.Infrastructure;

/// <summary>A range of slots to move from one primary to another.</summary>
public sealed record SlotMove(int SourcePort, int TargetPort, int From, int To)
{
    public int SlotCount => To - From + 1;

    public bool Contains(int slot) => slot >= From && slot <= To;

    public override string ToString() =>
        "slots " + From + "-" + To + " (" + SlotCount + ") from :" + SourcePort + " to :" + TargetPort;
}

/// <summary>Resharding a live Garnet cluster, both ways Garnet 2.2.8 offers.</summary>
public static class SlotMigration
{
    private static readonly TimeSpan s_settleTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Up to <paramref name="maxSlots"/> slots, at most half of the largest contiguous range of the primary that owns
    /// the most slots, to the primary that owns the fewest: whatever earlier tests moved, the source keeps slots.
    /// </summary>
    public static async Task<SlotMove> PlanAsync(GarnetCluster cluster, int maxSlots)
    {
        var primaries = (await cluster.NodesAsync(cluster.Ports[0])).Nodes.Where(n => !n.IsReplica).ToList();
        var source = primaries.MaxBy(SlotsOf)!;
        var target = primaries.Where(n => n.NodeId != source.NodeId).MinBy(SlotsOf)!;
        var range = source.Slots.MaxBy(r => r.To - r.From)!;
        var count = Math.Min(maxSlots, (range.To - range.From + 1) / 2);
        return new SlotMove(PortOf(source), PortOf(target), range.From, range.From + count - 1);
    }

    /// <summary>
    /// Writes <paramref name="count"/> filler keys of <paramref name="valueBytes"/> bytes into the moving slots, with a
    /// 10-minute TTL: they make the migration last long enough for the load to meet it.
    /// </summary>
    /// <returns>The filler keys.</returns>
    public static async Task<IReadOnlyList<string>> FillAsync(GarnetCluster cluster, SlotMove move, int count, int valueBytes)
    {
        var database = cluster.Admin.GetDatabase();
        var value = new string('f', valueBytes);
        var keys = new List<string>(count);
        var writes = new List<Task>(count);
        for (var n = 0; keys.Count < count; n++)
        {
            var key = "filler:" + Guid.NewGuid().ToString("N") + ":{" + n.ToString(CultureInfo.InvariantCulture) + "}";
            if (move.Contains(cluster.Admin.GetHashSlot(key)))
            {
                keys.Add(key);
                writes.Add(database.StringSetAsync(key, value, TimeSpan.FromMinutes(10)));
            }
        }

        await Task.WhenAll(writes);
        return keys;
    }

    /// <summary>
    /// Garnet's own resharding: <c>MIGRATE host port "" 0 timeout AUTH password SLOTSRANGE from to</c> on the
    /// source. It answers OK at once and works in the background (IMPORTING/MIGRATING, key transfer, ownership); this
    /// returns when every node sees the target as the owner.
    /// </summary>
    public static async Task MoveWithSlotsRangeAsync(GarnetCluster cluster, SlotMove move)
    {
        var reply = await cluster.ExecuteAsync(
            move.SourcePort, "MIGRATE", GarnetCluster.Host, move.TargetPort, "", 0, 30000, "AUTH", cluster.Password, "SLOTSRANGE", move.From, move.To);
        Assert.Equal("OK", reply.ToString());
        await WaitMovedAsync(cluster, move);
    }

    /// <summary>
    /// Resharding by hand, as <c>redis-cli --cluster reshard</c> does it: every slot IMPORTING on the target and
    /// MIGRATING on the source, then per slot <c>CLUSTER GETKEYSINSLOT</c> + <c>MIGRATE … KEYS …</c> until it is
    /// empty, then <c>CLUSTER SETSLOT slot NODE target</c> on the target, the source and the other nodes.
    /// </summary>
    /// <returns>How many keys were moved.</returns>
    public static async Task<int> MoveByHandAsync(GarnetCluster cluster, SlotMove move)
    {
        var sourceId = await cluster.NodeIdAsync(move.SourcePort);
        var targetId = await cluster.NodeIdAsync(move.TargetPort);
        var slots = Enumerable.Range(move.From, move.SlotCount).ToArray();

        await ForEachSlotAsync(slots, s => cluster.ExecuteAsync(move.TargetPort, "CLUSTER", "SETSLOT", s, "IMPORTING", sourceId));
        await ForEachSlotAsync(slots, s => cluster.ExecuteAsync(move.SourcePort, "CLUSTER", "SETSLOT", s, "MIGRATING", targetId));

        var moved = 0;
        await Parallel.ForEachAsync(slots, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (slot, _) =>
        {
            while (true)
            {
                var keys = (RedisResult[])(await cluster.ExecuteAsync(move.SourcePort, "CLUSTER", "GETKEYSINSLOT", slot, 100))!;
                if (keys.Length == 0)
                {
                    return;
                }

                object[] arguments = [GarnetCluster.Host, move.TargetPort, "", 0, 5000, "AUTH", cluster.Password, "KEYS", .. keys.Select(k => (object)(RedisKey)k.ToString()!)];
                var reply = (await cluster.ExecuteAsync(move.SourcePort, "MIGRATE", arguments)).ToString();

                // NOKEY: the keys were claimed and deleted between the listing and the MIGRATE.
                Assert.True(reply is "OK" or "NOKEY", "MIGRATE KEYS answered " + reply);
                Interlocked.Add(ref moved, keys.Length);
            }
        });

        var others = cluster.Ports.Where(p => p != move.SourcePort && p != move.TargetPort);
        foreach (var port in new[] { move.TargetPort, move.SourcePort }.Concat(others))
        {
            await ForEachSlotAsync(slots, s => cluster.ExecuteAsync(port, "CLUSTER", "SETSLOT", s, "NODE", targetId));
        }

        await WaitMovedAsync(cluster, move);
        return moved;
    }

    /// <summary>
    /// How many of <paramref name="keys"/> the target holds (<c>EXISTS</c> on that node, pipelined). Counting per slot
    /// instead (<c>CLUSTER COUNTKEYSINSLOT</c>) scans the whole store on Garnet 2.2.8: ~1 ms per slot with a few
    /// thousand keys, seconds for a range. And the source cannot be asked at all: for a slot it no longer owns, it
    /// answers MOVED.
    /// </summary>
    public static async Task<int> CountOnTargetAsync(GarnetCluster cluster, SlotMove move, IReadOnlyList<string> keys)
    {
        var exists = await Task.WhenAll(keys.Select(async k => (long)await cluster.ExecuteAsync(move.TargetPort, "EXISTS", k)));
        return exists.Count(e => e == 1);
    }

    /// <summary>Deletes <paramref name="keys"/> (pipelined, through the cluster's routing).</summary>
    public static async Task DeleteAsync(GarnetCluster cluster, IReadOnlyList<string> keys)
    {
        var database = cluster.Admin.GetDatabase();
        await Task.WhenAll(keys.Select(k => database.KeyDeleteAsync(k)));
    }

    private static async Task WaitMovedAsync(GarnetCluster cluster, SlotMove move)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var agreed = true;
            foreach (var port in cluster.Ports)
            {
                var map = await cluster.NodesAsync(port);
                agreed &= Enumerable.Range(move.From, move.SlotCount).All(s => map.GetBySlot(s) is { } owner && PortOf(owner) == move.TargetPort);
            }

            if (agreed)
            {
                return;
            }

            Assert.True(stopwatch.Elapsed < s_settleTimeout, move + ": not every node agrees on the new owner after " + s_settleTimeout);
            await Task.Delay(200);
        }
    }

    private static async Task ForEachSlotAsync(int[] slots, Func<int, Task<RedisResult>> command)
    {
        var replies = await Task.WhenAll(slots.Select(command));
        var failed = replies.Select((r, i) => (Reply: r.ToString(), Slot: slots[i])).Where(x => x.Reply != "OK").Take(3).ToList();
        Assert.True(failed.Count == 0, string.Join("; ", failed.Select(f => "slot " + f.Slot + ": " + f.Reply)));
    }

    private static int SlotsOf(ClusterNode node) => node.Slots.Sum(r => r.To - r.From + 1);

    private static int PortOf(ClusterNode node) => ((IPEndPoint)node.EndPoint!).Port;
}
