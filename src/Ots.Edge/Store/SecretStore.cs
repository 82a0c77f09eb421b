using System.Diagnostics;
using StackExchange.Redis;

namespace Ots.Edge.Store;

/// <summary>
/// The store protocol of DESIGN §3 over one multiplexer: create with two <c>SET … PX … NX</c>; reveal by claiming
/// the record and reading the guard in one pipelined round trip. No Lua, only commands Garnet and Redis both support.
/// </summary>
/// <remarks>
/// <para>
/// Deviation from DESIGN §3: a reveal claims the record with <c>SET record "" XX GET KEEPTTL</c> (swap in an empty
/// tombstone, return the old value, atomically) instead of <c>GET</c> + <c>DEL</c>, for two reasons found on real
/// stores (both covered by tests):
/// </para>
/// <list type="bullet">
/// <item>Concurrent right phrases: with GET + DEL, a loser whose GET comes after the winner's DEL but before the
/// winner's <c>DEL guard</c> sees "no record, guard present" (exactly what a wrong phrase sees), answers 403 and
/// burns an attempt (5 of 100 concurrent readers did on Garnet). The tombstone stays until the guard is gone, so a
/// loser sees it and answers 404.</item>
/// <item>Garnet 2.2.8 with its storage tier answers <c>DEL</c> of a record that was spilled to disk with 0 while
/// still deleting it, so GET + DEL would answer 404 and destroy every secret older than the in-memory log.
/// <c>SET … XX GET</c> is a read-modify-write that reads the disk record, and is exactly-once there too.</item>
/// </list>
/// <para>
/// Like <c>DEL</c>, and unlike <c>GETDEL</c>, the claim is replayed from Garnet's AOF: a claimed record stays
/// claimed after a restart even if the clean-up that follows was lost.
/// </para>
/// <para>
/// Pipelining: each <c>*Async</c> call of StackExchange.Redis writes its command to the connection and returns
/// without waiting for the reply, so commands issued back to back before the first <c>await</c> travel together and
/// their replies come back together: one round trip. Both keys of a secret share a hash slot
/// (<see cref="StoreKeys"/>), so they go to the same server, on one connection, in order. An <see cref="IBatch"/>
/// would also keep other callers' commands from interleaving, but nothing here relies on adjacency (the atomic
/// claim alone decides who owns a record), so the batch's extra buffer and list are not worth paying for.
/// </para>
/// <para>
/// Faults propagate as StackExchange.Redis exceptions (<see cref="RedisConnectionException"/>,
/// <see cref="RedisTimeoutException"/>, <see cref="RedisServerException"/>) or, when a create or a reveal is not
/// answered within the answer timeout (one deadline for all its round trips), <see cref="TimeoutException"/>; the
/// connection handler maps them to 503.
/// </para>
/// <para>
/// Late claims. The multiplexer waits for replies much longer than the edge waits to answer
/// (<see cref="StoreConnection"/>: the answer timeout is its <c>SyncTimeout</c>, the reply window its
/// <c>AsyncTimeout</c>), so a reveal that answers 503 because the store was slow still learns what its claim did.
/// If the claim took the record after all (Garnet holds writes to keys it is migrating to another node for
/// seconds), the record is put back with <c>SET record blob XX KEEPTTL</c>: the secret was not shown, so it must not
/// be gone. That is safe because nothing but a claim changes a record and only the owner of a claim deletes it: the
/// record holds our tombstone (or a later loser's, who answered 404 and left) until we put it back.
/// </para>
/// </remarks>
public sealed class SecretStore
{
    private readonly IDatabase _database;
    private readonly StoreReadiness _readiness;
    private readonly RedisValue _maxPhraseAttempts;
    private readonly TimeSpan _answerTimeout;

    /// <summary>Creates a store client over <paramref name="connection"/>, which the caller keeps owning.</summary>
    /// <param name="connection">
    /// The shared multiplexer (see <see cref="StoreConnection"/>); its <see cref="IConnectionMultiplexer.TimeoutMilliseconds"/>
    /// (the sync timeout) is the answer timeout: how long a create or a reveal waits before it gives up with
    /// <see cref="TimeoutException"/>.
    /// </param>
    /// <param name="maxPhraseAttempts">The guard's start value: the wrong phrase that brings it to 0 destroys the secret.</param>
    public SecretStore(IConnectionMultiplexer connection, int maxPhraseAttempts)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPhraseAttempts, 1);
        _database = connection.GetDatabase();
        _readiness = new StoreReadiness(connection);
        _maxPhraseAttempts = maxPhraseAttempts;
        _answerTimeout = TimeSpan.FromMilliseconds(connection.TimeoutMilliseconds);
    }

    /// <summary>
    /// Raised, on a thread-pool thread, when a reveal that gave up with <see cref="TimeoutException"/> learns what
    /// its claim did (see the remarks on the class). For metrics and logs; never carries a key.
    /// </summary>
    public event Action<LateClaim>? LateClaimSettled;

    /// <summary>
    /// Stores a sealed record: <c>SET guard &lt;maxPhraseAttempts&gt; PX ttl NX</c> and <c>SET record blob PX ttl NX</c>,
    /// pipelined; completes when both are acknowledged, or with <see cref="TimeoutException"/> after the answer timeout.
    /// </summary>
    /// <param name="id">The 16-byte secret id.</param>
    /// <param name="recordTag">The 16-byte record tag derived from the key and phrase.</param>
    /// <param name="record">
    /// The sealed record, not empty, handed over to the store: a create that gave up with <see cref="TimeoutException"/>
    /// may still be sending it, so the caller must neither change nor reuse the array (allocate one per call, not from a
    /// pool; it holds only ciphertext, nothing to wipe).
    /// </param>
    /// <param name="ttl">The secret's lifetime, at least 1 ms; sent as a relative <c>PX</c> (Garnet rejects <c>PXAT</c>).</param>
    /// <returns>
    /// <see langword="true"/> when both keys were created; <see langword="false"/> when either already existed
    /// (an id collision, 2^-128): nothing is overwritten and the caller should retry with a fresh key.
    /// </returns>
    /// <remarks>
    /// <para>
    /// Bounded like <see cref="RevealAsync"/>: the caller answers within the answer timeout whatever the store
    /// does. A create that timed out may still store the secret; nobody holds its key, and it expires. Taking the
    /// record as an array the caller gives up (rather than a pooled buffer to hand back once the store is done with
    /// it) is what lets this method stop waiting: the garbage collector, not the caller, decides when it is free.
    /// </para>
    /// <para>
    /// On a collision the key this call did create is deleted again. That is safe because <c>NX</c> succeeding
    /// proves the key did not exist before this call, so its value is ours: no other secret's state can be lost.
    /// It is also necessary: a guard created next to a surviving record of a destroyed secret (same id and tag,
    /// whose guard is gone) would bring that secret back to life, and a lone record would only waste memory.
    /// </para>
    /// </remarks>
    public async Task<bool> CreateAsync(ReadOnlyMemory<byte> id, ReadOnlyMemory<byte> recordTag, byte[] record, TimeSpan ttl)
    {
        ArgumentNullException.ThrowIfNull(record);

        // A TimeSpan expiry makes StackExchange.Redis send a relative PX (an absolute Expiration would become PXAT,
        // which Garnet 2.2.8 rejects). PX 0 is an error on both stores, hence the 1 ms floor.
        ArgumentOutOfRangeException.ThrowIfLessThan(ttl, TimeSpan.FromMilliseconds(1));

        // Empty is the tombstone of a claimed record (RevealAsync); a sealed record never is.
        if (record.Length == 0)
        {
            throw new ArgumentException("A record is never empty.", nameof(record));
        }

        var guard = StoreKeys.Guard(id.Span);
        var recordKey = StoreKeys.Record(id.Span, recordTag.Span);

        // Pipelined; a fault or time-out of either leaves the other to finish on its own (StackExchange.Redis marks
        // the faults of its tasks observed, so nothing needs to wait for them).
        var started = Stopwatch.GetTimestamp();
        var setGuard = _database.StringSetAsync(guard, _maxPhraseAttempts, ttl, When.NotExists);
        var setRecord = _database.StringSetAsync(recordKey, record, ttl, When.NotExists);
        var guardCreated = await setGuard.WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        var recordCreated = await setRecord.WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        if (guardCreated && recordCreated)
        {
            return true;
        }

        if (guardCreated)
        {
            await _database.KeyDeleteAsync(guard).WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        }
        else if (recordCreated)
        {
            await _database.KeyDeleteAsync(recordKey).WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>
    /// Claims the record named by <paramref name="id"/> and <paramref name="recordTag"/>: pipelined
    /// <c>SET record "" XX GET KEEPTTL</c> and <c>GET guard</c>, then the decision table of DESIGN §3.
    /// </summary>
    /// <param name="id">The 16-byte secret id.</param>
    /// <param name="recordTag">The 16-byte record tag derived from the key and the phrase given.</param>
    /// <param name="previousRecordTag">
    /// Empty, or the tag the same key and phrase derive under the previous pepper (a rotation, see
    /// <c>--previous-pepper</c>): its record is claimed in the same round trip, and a secret stored under either tag
    /// reveals (<see cref="RevealResult.UnderPreviousTag"/> says which). A secret lives under one tag only, so no
    /// phrase ever matches both; a phrase that matches neither is one wrong phrase, counted once.
    /// </param>
    /// <returns>The outcome, to be disposed when done with its <see cref="RevealResult.Record"/>.</returns>
    public async Task<RevealResult> RevealAsync(ReadOnlyMemory<byte> id, ReadOnlyMemory<byte> recordTag, ReadOnlyMemory<byte> previousRecordTag = default)
    {
        var guard = StoreKeys.Guard(id.Span);
        var recordKey = StoreKeys.Record(id.Span, recordTag.Span);
        var rotating = !previousRecordTag.IsEmpty;
        var previousKey = rotating ? StoreKeys.Record(id.Span, previousRecordTag.Span) : default;

        var started = Stopwatch.GetTimestamp();
        var claim = ClaimAsync(_database, recordKey);
        var previousClaim = rotating ? ClaimAsync(_database, previousKey) : null;
        var getGuard = _database.StringGetAsync(guard);

        RedisValue record;
        var previousRecord = RedisValue.Null;
        RedisValue guardValue;
        try
        {
            // Pipelined: the later replies follow the claim's, so their waits rarely need the timer.
            record = await claim.WaitAsync(TimeLeft(started)).ConfigureAwait(false);
            if (previousClaim is not null)
            {
                previousRecord = await previousClaim.WaitAsync(TimeLeft(started)).ConfigureAwait(false);
            }

            guardValue = await getGuard.WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The caller answers 503 now; a claim may still take its record, and then it goes back.
            _ = SettleLateClaimAsync(claim, recordKey);
            if (previousClaim is not null)
            {
                _ = SettleLateClaimAsync(previousClaim, previousKey);
            }

            throw;
        }
        catch
        {
            // Observe the other replies' faults too. A claim that failed outright (no connection, server error) took
            // nothing; one that succeeded before a later read failed holds its record, which goes back.
            if (previousClaim is not null)
            {
                await ((Task)previousClaim).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            await ((Task)getGuard).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (claim.IsCompletedSuccessfully)
            {
                _ = SettleLateClaimAsync(claim, recordKey);
            }

            if (previousClaim is { IsCompletedSuccessfully: true })
            {
                _ = SettleLateClaimAsync(previousClaim, previousKey);
            }

            throw;
        }

        var underPreviousTag = record.IsNull && !previousRecord.IsNull;
        if (underPreviousTag)
        {
            record = previousRecord;
        }

        var guardLive = IsLive(guardValue);
        if (!record.IsNull)
        {
            if (record.IsNullOrEmpty)
            {
                // The tombstone: another reader claimed this record first.
                return RevealResult.NotFound;
            }

            // Ours. Remove the guard, then the tombstone, in that order (one DEL deletes its keys in argument order):
            // every state in between still answers 404, whereas a record gone next to a live guard would read as a
            // wrong phrase. Nobody needs to wait for it: until it lands, the tombstone answers 404. In a rotation
            // both record keys go: the tag that matched nothing names no key, or at worst another tombstone.
            _ = rotating
                ? _database.KeyDeleteAsync([guard, recordKey, previousKey], CommandFlags.FireAndForget)
                : _database.KeyDeleteAsync([guard, recordKey], CommandFlags.FireAndForget);

            // Guard gone: the secret was destroyed or has expired, and the claim has consumed its record anyway.
            return guardLive ? RevealResult.Revealed((ReadOnlyMemory<byte>)record, underPreviousTag) : RevealResult.NotFound;
        }

        if (!guardLive)
        {
            return RevealResult.NotFound;
        }

        // No record under this tag while the guard lives: a wrong phrase. DECR keeps the guard's TTL.
        var attemptsLeft = await _database.StringDecrementAsync(guard).WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        if (attemptsLeft > 0)
        {
            return RevealResult.WrongPhrase;
        }

        if (attemptsLeft == 0)
        {
            // The last attempt: destroy the secret by deleting its guard. Fire-and-forget is enough because a guard
            // at 0 already counts as gone (IsLive), so a lost DEL cannot bring the secret back.
            _ = _database.KeyDeleteAsync(guard, CommandFlags.FireAndForget);
            return RevealResult.LastWrongPhrase;
        }

        // Below 0: the guard expired or was destroyed between our GET and DECR, and DECR created a new one without a
        // TTL. Delete it (awaited, so it cannot linger forever unnoticed) and report what the secret now is: gone.
        await _database.KeyDeleteAsync(guard).WaitAsync(TimeLeft(started)).ConfigureAwait(false);
        return RevealResult.NotFound;
    }

    /// <summary>
    /// Whether the store can serve every secret (the readiness probe's answer): a standalone store answers
    /// <c>PING</c>; in a cluster, every one of the 16384 slots is owned by a primary that answers (see
    /// <see cref="StoreReadiness"/>). <see langword="false"/>, never an exception, when not within the multiplexer's timeout.
    /// </summary>
    public Task<bool> PingAsync() => _readiness.IsReadyAsync();

    /// <summary>
    /// Waits out a claim whose reveal gave up (within the multiplexer's reply window) and puts the record back if
    /// the claim took it. Never throws: the outcome goes to <see cref="LateClaimSettled"/>.
    /// </summary>
    private async Task SettleLateClaimAsync(Task<RedisValue> claim, RedisKey recordKey)
    {
        LateClaim outcome;
        try
        {
            var record = await claim.ConfigureAwait(false);
            if (record.IsNullOrEmpty)
            {
                // No record under this tag, or another reader's tombstone: the claim took nothing.
                outcome = LateClaim.TookNothing;
            }
            else
            {
                var putBack = await _database.StringSetAsync(recordKey, record, expiry: null, keepTtl: true, When.Exists).ConfigureAwait(false);

                // XX fails only when the tombstone expired with the secret meanwhile: then it is gone by its TTL.
                outcome = putBack ? LateClaim.PutBack : LateClaim.Expired;
            }
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            // No reply within the window, or the connection dropped with the claim in flight: whether the store
            // ran it is unknown, and if it did, the secret is gone without having been shown.
            outcome = LateClaim.Unknown;
        }

        LateClaimSettled?.Invoke(outcome);
    }

    /// <summary>
    /// <c>SET record "" XX GET KEEPTTL</c>: atomically replaces an existing record with the empty tombstone and
    /// returns what it held (null when there was no record, empty when another reader had claimed it). XX never
    /// creates a key under a wrong tag; KEEPTTL lets the tombstone expire with the secret.
    /// </summary>
    internal static Task<RedisValue> ClaimAsync(IDatabaseAsync database, RedisKey record) =>
        database.StringSetAndGetAsync(record, RedisValue.EmptyString, expiry: null, keepTtl: true, When.Exists);

    /// <summary>
    /// What is left of the answer timeout since <paramref name="started"/>: one deadline for all the round
    /// trips of an operation (zero once it passed, which makes <c>WaitAsync</c> give up at once on a pending reply).
    /// </summary>
    private TimeSpan TimeLeft(long started)
    {
        var left = _answerTimeout - Stopwatch.GetElapsedTime(started);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    // A guard holds the attempts left. 0 means the last attempt destroyed the secret and the DEL of the guard has
    // not landed (or was lost): treat it as gone, so that window never lets the right phrase through after a burn.
    private static bool IsLive(RedisValue guard) => guard.TryParse(out long attemptsLeft) && attemptsLeft > 0;
}
