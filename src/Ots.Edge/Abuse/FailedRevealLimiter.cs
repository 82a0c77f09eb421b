using System.Net;
using System.Runtime.InteropServices;

namespace Ots.Edge.Abuse;

/// <summary>A client address, hashed once: where its entry lives in the table and the tag that names it there.</summary>
internal readonly record struct ClientKey(int Bucket, ulong Tag);

/// <summary>
/// Bounds failed reveals (403 and 404) per client address, on top of the per-secret attempt limit: an address with
/// <c>MaxFailures</c> failures within <c>Window</c> gets 429 with <c>Retry-After</c> for its reveals until its count
/// decays. Generate is never limited.
/// </summary>
/// <remarks>
/// <para>
/// The counter is GCRA (a leaky bucket kept as one timestamp, the "theoretical arrival time"): each failure pushes the
/// address's time forward by <c>Window / MaxFailures</c>; the address is blocked while its time is more than
/// <c>Window - Window / MaxFailures</c> ahead of now. So a burst of <c>MaxFailures</c> is allowed, then one failure per
/// <c>Window / MaxFailures</c>: at most about <c>MaxFailures</c> per window, sustained, with no reset edge to game,
/// and an entry whose time has passed is simply free again (no sweep, no timer).
/// </para>
/// <para>
/// Why a fixed table rather than a <c>ConcurrentDictionary</c> with a cap and a sweep: memory is fixed at start
/// (<see cref="Capacity"/> entries of 16 bytes = 256 KiB) whatever arrives, nothing is allocated per request or per new
/// address (a dictionary allocates a node per address, which is what an attacker with many addresses makes), and
/// there is no sweep to schedule, race or tune. The table is 4-way set-associative: an address hashes to a bucket of
/// four entries; a new address takes the bucket's entry with the least pending debt (an expired one costs nothing).
/// Entries are named by a 64-bit tag from the per-process randomized <see cref="HashCode"/>, so two addresses never
/// share a counter by accident: an innocent client is never blocked for someone else's failures. The price is that an
/// attacker with many addresses can push entries out (its own or others'): a per-address limit cannot stop such an
/// attacker anyway; the per-secret attempt limit does. Bucket updates take one of a few striped locks (a few
/// instructions under the lock, contention only between addresses of the same stripe).
/// </para>
/// </remarks>
internal sealed class FailedRevealLimiter
{
    /// <summary>Entries in the table.</summary>
    public const int Capacity = BucketCount * Ways;

    private const int Ways = 4;
    private const int BucketCount = 4096;
    private const int LockCount = 64;

    private readonly Entry[] _entries = new Entry[Capacity];
    private readonly Lock[] _locks = CreateLocks();
    private readonly TimeProvider _time;
    private readonly long _interval;
    private readonly long _tolerance;

    /// <summary>Creates a limiter; <paramref name="maxFailures"/> 0 turns it off.</summary>
    public FailedRevealLimiter(int maxFailures, TimeSpan window, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFailures);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        _time = time ?? TimeProvider.System;
        IsEnabled = maxFailures > 0;
        var windowTicks = (long)(window.TotalSeconds * _time.TimestampFrequency);
        _interval = IsEnabled ? Math.Max(windowTicks / maxFailures, 1) : 1;
        _tolerance = windowTicks - _interval;
    }

    /// <summary>False when <c>--max-failed-reveals 0</c>: nothing is counted or refused.</summary>
    public bool IsEnabled { get; }

    /// <summary>The key of a peer address; IPv4-mapped IPv6 addresses count as their IPv4 address.</summary>
    public static ClientKey KeyOf(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.TryWriteBytes(bytes, out var written) ? KeyOf(bytes[..written]) : KeyOf(default(ReadOnlySpan<byte>));
    }

    /// <summary>The key of an address given as bytes: a peer's raw address, or a trusted proxy's X-Forwarded-For entry.</summary>
    public static ClientKey KeyOf(ReadOnlySpan<byte> address)
    {
        // Two differently seeded hashes: one picks the bucket, both together name the entry (64 bits).
        var low = new HashCode();
        low.Add(0x2545F491);
        low.AddBytes(address);
        var high = new HashCode();
        high.Add(0x6C078965);
        high.AddBytes(address);
        var tag = ((ulong)(uint)high.ToHashCode() << 32) | (uint)low.ToHashCode();
        return new ClientKey((int)(tag % BucketCount), tag | 1); // Tag 0 marks an empty entry.
    }

    /// <summary>Whether reveals from <paramref name="client"/> are refused now, and for how many more seconds.</summary>
    public bool IsBlocked(in ClientKey client, out int retryAfterSeconds)
    {
        retryAfterSeconds = 0;
        if (!IsEnabled)
        {
            return false;
        }

        var now = _time.GetTimestamp();
        long ahead;
        lock (_locks[client.Bucket % LockCount])
        {
            var bucket = Bucket(client.Bucket);
            var index = Find(bucket, client.Tag);
            if (index < 0)
            {
                return false;
            }

            ahead = bucket[index].TheoreticalArrival - now;
        }

        if (ahead <= _tolerance)
        {
            return false;
        }

        // Until one more failure fits under the limit again; whole seconds, rounded up (RFC 9110 §10.2.3).
        var wait = (ahead - _tolerance + _time.TimestampFrequency - 1) / _time.TimestampFrequency;
        retryAfterSeconds = (int)Math.Clamp(wait, 1, int.MaxValue);
        return true;
    }

    /// <summary>Counts one failed reveal (403 or 404) of <paramref name="client"/>.</summary>
    public void RecordFailure(in ClientKey client)
    {
        if (!IsEnabled)
        {
            return;
        }

        var now = _time.GetTimestamp();
        lock (_locks[client.Bucket % LockCount])
        {
            var bucket = Bucket(client.Bucket);
            var index = Find(bucket, client.Tag);
            if (index < 0)
            {
                index = Victim(bucket);
                bucket[index] = new Entry { Tag = client.Tag, TheoreticalArrival = now };
            }

            ref var entry = ref bucket[index];
            entry.TheoreticalArrival = Math.Max(entry.TheoreticalArrival, now) + _interval;
        }
    }

    private Span<Entry> Bucket(int bucket) => _entries.AsSpan(bucket * Ways, Ways);

    private static int Find(Span<Entry> bucket, ulong tag)
    {
        for (var i = 0; i < bucket.Length; i++)
        {
            if (bucket[i].Tag == tag)
            {
                return i;
            }
        }

        return -1;
    }

    // The entry with the least debt: an empty or expired one (time in the past) first, else the one closest to expiry.
    private static int Victim(Span<Entry> bucket)
    {
        var victim = 0;
        for (var i = 1; i < bucket.Length; i++)
        {
            if (bucket[i].Tag == 0 || bucket[i].TheoreticalArrival < bucket[victim].TheoreticalArrival)
            {
                victim = i;
            }
        }

        return victim;
    }

    private static Lock[] CreateLocks()
    {
        var locks = new Lock[LockCount];
        for (var i = 0; i < locks.Length; i++)
        {
            locks[i] = new Lock();
        }

        return locks;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public ulong Tag;
        public long TheoreticalArrival;
    }
}
