using System.Diagnostics;
using StackExchange.Redis;

namespace Ots.Edge.Store;

/// <summary>
/// The readiness probe's answer (<c>/readyz</c>): can this edge serve any secret right now?
/// </summary>
/// <remarks>
/// <para>
/// One server (Garnet or Redis, standalone): it answers <c>PING</c> within the store timeout. Checked on every probe.
/// </para>
/// <para>
/// A cluster (Garnet <c>--cluster</c>, Redis Cluster): a secret lives in one of 16384 slots, so the edge is ready
/// only when every slot is owned by a primary that this edge is connected to and that answers its <c>PING</c>. Who
/// owns what comes from the multiplexer's own view (each node's <c>CLUSTER NODES</c>, read when it connected or
/// reconfigured, and the slots the node claims for itself there), so no admin command is needed. That view can
/// trail a resharding: a moved slot still counts for its old owner, whose <c>MOVED</c> the client follows; a slot
/// that no node claims any more (views read at different moments of a resharding) makes the probe refresh the view
/// once before it answers. <c>CLUSTER INFO</c>'s <c>cluster_state</c> is no substitute: Garnet
/// reports <c>ok</c> until its failure detection gives up on a node (<c>--cluster-timeout</c>, 60 s by default),
/// so a primary killed seconds ago still reads as <c>ok</c> while its slots answer 503. A probe costs a round trip
/// to every primary, so its answer is reused for <see cref="ClusterProbeInterval"/>; concurrent probes share one
/// check.
/// </para>
/// </remarks>
internal sealed class StoreReadiness
{
    /// <summary>How long a cluster probe's answer is reused.</summary>
    public static readonly TimeSpan ClusterProbeInterval = TimeSpan.FromSeconds(1);

    private const int SlotCount = 16384;

    private readonly IConnectionMultiplexer _connection;
    private readonly IDatabase _database;
    private readonly Lock _gate = new();
    private Task<bool>? _clusterProbe;
    private long _clusterProbeStarted;

    /// <summary>Probes through <paramref name="connection"/>, which the caller keeps owning.</summary>
    public StoreReadiness(IConnectionMultiplexer connection)
    {
        _connection = connection;
        _database = connection.GetDatabase();
    }

    private TimeSpan Timeout => TimeSpan.FromMilliseconds(_connection.TimeoutMilliseconds);

    /// <summary>
    /// <see langword="true"/> when every key can be served (see the remarks on the class); never throws, and completes
    /// within about the store timeout.
    /// </summary>
    public Task<bool> IsReadyAsync()
    {
        if (!IsCluster())
        {
            return PingAsync();
        }

        lock (_gate)
        {
            if (_clusterProbe is { } probe &&
                (!probe.IsCompleted || Stopwatch.GetElapsedTime(_clusterProbeStarted) < ClusterProbeInterval))
            {
                return probe;
            }

            _clusterProbeStarted = Stopwatch.GetTimestamp();
            return _clusterProbe = ProbeClusterAsync();
        }
    }

    // The multiplexer learns the server type when it connects; until then nothing answers anyway, and the PING path
    // says so.
    private bool IsCluster()
    {
        foreach (var server in _connection.GetServers())
        {
            if (server.ServerType == ServerType.Cluster)
            {
                return true;
            }
        }

        return false;
    }

    private async Task<bool> ProbeClusterAsync()
    {
        var (ready, orphaned) = await CheckSlotsAsync().ConfigureAwait(false);
        if (ready || !orphaned)
        {
            return ready;
        }

        // Some slot is claimed by no node at all in the multiplexer's view: the view predates a resharding (the
        // multiplexer follows MOVED per command but refreshes the nodes' own views only on reconnects and its periodic
        // check). Refresh them once and judge again. A gap left by a node that is down is no reason to: the
        // multiplexer is reconnecting already.
        try
        {
            await _connection.ConfigureAsync().WaitAsync(Timeout).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            return false;
        }

        return (await CheckSlotsAsync().ConfigureAwait(false)).Ready;
    }

    // Ready: every slot is claimed by a connected primary that answers PING. Orphaned: some slot is claimed by none,
    // connected or not.
    private async Task<(bool Ready, bool Orphaned)> CheckSlotsAsync()
    {
        var claimed = new bool[SlotCount];
        var owners = new List<(IServer Server, IList<SlotRange> Slots)>();
        foreach (var server in _connection.GetServers())
        {
            if (server.IsReplica || OwnSlots(server) is not { Count: > 0 } slots)
            {
                continue;
            }

            Mark(claimed, slots);
            if (server.IsConnected)
            {
                owners.Add((server, slots));
            }
        }

        var answers = new Task<bool>[owners.Count];
        for (var i = 0; i < owners.Count; i++)
        {
            answers[i] = AnswersAsync(owners[i].Server.PingAsync());
        }

        await Task.WhenAll(answers).ConfigureAwait(false);
        var served = new bool[SlotCount];
        for (var i = 0; i < owners.Count; i++)
        {
            if (answers[i].Result)
            {
                Mark(served, owners[i].Slots);
            }
        }

        return (!served.AsSpan().Contains(false), claimed.AsSpan().Contains(false));
    }

    private static void Mark(bool[] slots, IList<SlotRange> ranges)
    {
        foreach (var range in ranges)
        {
            slots.AsSpan(range.From, range.To - range.From + 1).Fill(true);
        }
    }

    // The slots a node claims for itself (its "myself" line of CLUSTER NODES), as the multiplexer last read them.
    private static IList<SlotRange>? OwnSlots(IServer server)
    {
        var configuration = server.ClusterConfiguration;
        if (configuration is null)
        {
            return null;
        }

        foreach (var node in configuration.Nodes)
        {
            if (node.IsMyself)
            {
                return node.Slots;
            }
        }

        return null;
    }

    // PING through the database: the one server of a standalone store.
    private Task<bool> PingAsync() => AnswersAsync(_database.PingAsync());

    // False, never an exception, when the command fails or does not complete within the store timeout.
    private async Task<bool> AnswersAsync(Task command)
    {
        try
        {
            // WaitAsync bounds the wait exactly; StackExchange.Redis checks its own timeouts only once per heartbeat.
            await command.WaitAsync(Timeout).ConfigureAwait(false);
            return true;
        }
        catch (RedisException)
        {
            // RedisConnectionException (no connection, FailFast backlog) and RedisServerException.
            return false;
        }
        catch (TimeoutException)
        {
            // RedisTimeoutException, and WaitAsync's own.
            return false;
        }
    }
}
