namespace Ots.Edge.Store;

/// <summary>
/// Settings of the in-process Garnet store (<see cref="EmbeddedGarnet"/>). Plain .NET types only: no Garnet type
/// appears outside EmbeddedGarnet.cs, so a build without Garnet (Native AOT) can still bind this from configuration.
/// </summary>
public sealed class EmbeddedGarnetOptions
{
    /// <summary>Where the store keeps its append-only file, checkpoints and spilled log (created if missing).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Loopback port to listen on; 0 (the default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>
    /// The password the store asks every connection for (see <see cref="EmbeddedGarnet.ConnectionString"/>). Null,
    /// the default, makes up a new one at each start that never leaves this process; give one only when a client
    /// must reconnect across a restart of the store. Not blank, no ',' or '='.
    /// </summary>
    public string? Password { get; init; }

    /// <summary>
    /// Memory for the in-memory part of the store's log, in bytes (default 64 MiB, at least 4 MiB). Not a capacity
    /// limit: older records spill to disk under <see cref="DataDirectory"/>. Pages are allocated as the log grows.
    /// </summary>
    public long MemorySize { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Acknowledge a write only after it is committed to the append-only file (Garnet's commit-wait): what a
    /// deployment that promises "an acknowledged secret survives a crash" needs (DESIGN §3). Costs write latency.
    /// </summary>
    public bool WaitForCommit { get; init; }

    /// <summary>
    /// How often a checkpoint is taken (default 5 min; zero turns it off): it bounds the append-only-file replay at
    /// startup and lets old append-only-file and log segments be deleted.
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often expired keys are swept (default 60 s; zero turns it off, and they are removed only when touched).</summary>
    public TimeSpan ExpiredKeyScanInterval { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Size of one log or append-only-file segment on disk (default 64 MiB): the unit in which disk space is released.</summary>
    internal long SegmentSize { get; init; } = 64L * 1024 * 1024;

    /// <summary>How often the on-disk log is checked for compaction (default 5 min; zero turns it off).</summary>
    internal TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>On-disk log segments kept before live records are copied forward and older segments dropped (default 16).</summary>
    internal int CompactionMaxSegments { get; init; } = 16;
}
