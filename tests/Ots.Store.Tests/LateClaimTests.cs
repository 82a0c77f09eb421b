using System.Diagnostics;
using Ots.Edge.Store;
using Ots.Store.Tests.Infrastructure;
using StackExchange.Redis;

namespace Ots.Store.Tests;

/// <summary>
/// A reveal that gives up while the store holds its claim (the edge answers 503) must not cost the secret: when the
/// claim runs after all, the record goes back. A create the store holds gives up in time too, and its record still
/// lands intact. The store holds writes with redis-server's <c>CLIENT PAUSE … WRITE</c>, which is what Garnet does to
/// keys it is migrating to another cluster node.
/// </summary>
public sealed class LateClaimTests
{
    private static readonly TimeSpan s_answerTimeout = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(5);

    // Far longer than the answer timeout: the timer that ends the wait can be late on a busy 2-core machine.
    private const string PauseMilliseconds = "3000";

    [Theory, OnRedis]
    public async Task A_claim_that_runs_after_its_reveal_gave_up_puts_the_record_back(string store)
    {
        Assert.Equal(OnRedisAttribute.Name, store);
        await using var impatient = await ImpatientStore.StartAsync();
        var (redis, admin, secrets) = (impatient.Redis, impatient.Admin, impatient.Secrets);
        var settled = new TaskCompletionSource<LateClaim>(TaskCreationOptions.RunContinuationsAsynchronously);
        secrets.LateClaimSettled += outcome => settled.TrySetResult(outcome);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", PauseMilliseconds, "WRITE");
        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => secrets.RevealAsync(secret.Id, secret.Tag));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2.5), "the reveal waited for the pause: " + elapsed.Elapsed);

        // The pause ends, the claim runs and takes the record, and its late reply puts it back.
        Assert.Equal(LateClaim.PutBack, await settled.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        var database = admin.GetDatabase();
        Assert.Equal(secret.Record, (byte[]?)await database.StringGetAsync(StoreKeys.Record(secret.Id, secret.Tag)));
        var ttl = await database.KeyTimeToLiveAsync(StoreKeys.Record(secret.Id, secret.Tag));
        Assert.True(ttl is { } left && left > TimeSpan.FromMinutes(4) && left <= s_ttl, "the record kept its lifetime: " + ttl);

        // Read back through a patient client: the impatient one could time out on a busy machine.
        await using var patient = await StoreConnection.ConnectAsync(redis.ConnectionString, TimeSpan.FromSeconds(10));
        var reader = new SecretStore(patient, maxPhraseAttempts: 5);
        using (var revealed = await reader.RevealAsync(secret.Id, secret.Tag))
        {
            Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
            Assert.Equal(secret.Record, revealed.Record.ToArray());
        }

        using var again = await reader.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, again.Outcome);
    }

    [Theory, OnRedis]
    public async Task In_a_pepper_rotation_both_late_claims_settle_and_the_record_goes_back(string store)
    {
        Assert.Equal(OnRedisAttribute.Name, store);
        await using var impatient = await ImpatientStore.StartAsync();
        var (redis, admin, secrets) = (impatient.Redis, impatient.Admin, impatient.Secrets);
        var outcomes = new List<LateClaim>();
        var bothSettled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        secrets.LateClaimSettled += outcome =>
        {
            lock (outcomes)
            {
                outcomes.Add(outcome);
                if (outcomes.Count == 2)
                {
                    bothSettled.TrySetResult();
                }
            }
        };

        // Created under the previous pepper's tag; the reveal names the new tag first.
        var secret = Secret.New();
        var newTag = Secret.NewTag();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", PauseMilliseconds, "WRITE");
        await Assert.ThrowsAsync<TimeoutException>(() => secrets.RevealAsync(secret.Id, newTag, secret.Tag));

        // The claim under the new tag finds nothing; the one under the previous tag takes the record and puts it back.
        await bothSettled.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal([LateClaim.TookNothing, LateClaim.PutBack], outcomes.Order());
        await using var patient = await StoreConnection.ConnectAsync(redis.ConnectionString, TimeSpan.FromSeconds(10));
        var reader = new SecretStore(patient, maxPhraseAttempts: 5);
        using (var revealed = await reader.RevealAsync(secret.Id, newTag, secret.Tag))
        {
            Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
            Assert.True(revealed.UnderPreviousTag);
            Assert.Equal(secret.Record, revealed.Record.ToArray());
        }

        Assert.False(await admin.GetDatabase().KeyExistsAsync(StoreKeys.Record(secret.Id, newTag)));
    }

    [Theory, OnRedis]
    public async Task A_late_claim_racing_another_reader_leaves_exactly_one_reveal(string store)
    {
        Assert.Equal(OnRedisAttribute.Name, store);
        using var redis = await RedisServer.StartAsync();
        await using var slow = await StoreConnection.ConnectAsync(redis.ConnectionString, s_answerTimeout);
        await using var other = await StoreConnection.ConnectAsync(redis.ConnectionString, TimeSpan.FromSeconds(10));
        await using var admin = await ConnectAdminAsync(redis);
        var timedOut = new SecretStore(slow, maxPhraseAttempts: 5);
        var settled = new TaskCompletionSource<LateClaim>(TaskCreationOptions.RunContinuationsAsynchronously);
        timedOut.LateClaimSettled += outcome => settled.TrySetResult(outcome);
        var reader = new SecretStore(other, maxPhraseAttempts: 5);
        var secret = Secret.New();
        Assert.True(await reader.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        // Both claims are held; the other reader waits longer than the pause, the first gives up.
        await WaitUntilConnectedAsync(timedOut);
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", PauseMilliseconds, "WRITE");
        await Assert.ThrowsAsync<TimeoutException>(() => timedOut.RevealAsync(secret.Id, secret.Tag));
        using var raced = await reader.RevealAsync(secret.Id, secret.Tag);
        var late = await settled.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Whichever claim ran first, the secret is shown exactly once: either the other reader got it and the late
        // claim found the tombstone, or the late claim won (the other reader saw its tombstone: 404) and put it back.
        using var after = await reader.RevealAsync(secret.Id, secret.Tag);
        if (raced.Outcome == RevealOutcome.Revealed)
        {
            Assert.Equal(LateClaim.TookNothing, late);
            Assert.Equal(RevealOutcome.NotFound, after.Outcome);
        }
        else
        {
            Assert.Equal(RevealOutcome.NotFound, raced.Outcome);
            Assert.Equal(LateClaim.PutBack, late);
            Assert.Equal(RevealOutcome.Revealed, after.Outcome);
            Assert.Equal(secret.Record, after.Record.ToArray());
        }

        using var last = await reader.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, last.Outcome);
        Assert.False(await admin.GetDatabase().KeyExistsAsync(StoreKeys.Guard(secret.Id)));
    }

    [Theory, OnRedis]
    public async Task A_create_the_store_holds_gives_up_within_the_answer_timeout_and_lands_later_intact(string store)
    {
        Assert.Equal(OnRedisAttribute.Name, store);
        await using var impatient = await ImpatientStore.StartAsync();
        var (admin, secrets) = (impatient.Admin, impatient.Secrets);
        var secret = Secret.New();
        var handedOver = secret.Record.ToArray();

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", PauseMilliseconds, "WRITE");
        var elapsed = Stopwatch.StartNew();
        await Assert.ThrowsAsync<TimeoutException>(() => secrets.CreateAsync(secret.Id, secret.Tag, handedOver, s_ttl));
        Assert.True(elapsed.Elapsed < TimeSpan.FromSeconds(2.5), "the create waited for the pause: " + elapsed.Elapsed);

        // The caller answered 503; the SETs still run once the pause ends, with the record they were handed.
        var database = admin.GetDatabase();
        var landed = await WaitForAsync(async () => (byte[]?)await database.StringGetAsync(StoreKeys.Record(secret.Id, secret.Tag)));
        Assert.Equal(secret.Record, landed);
        Assert.Equal(5, (int)await database.StringGetAsync(StoreKeys.Guard(secret.Id)));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> read)
        where T : class
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (await read() is { } value)
            {
                return value;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), "nothing arrived");
            await Task.Delay(100);
        }
    }

    // A 300 ms connect timeout can run out on a busy machine before the first connection is up (the multiplexer
    // keeps connecting in the background): wait for it rather than fail on it.
    private static async Task WaitUntilConnectedAsync(SecretStore secrets)
    {
        var waited = Stopwatch.StartNew();
        while (!await secrets.PingAsync())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(15), "the store connection did not come up");
            await Task.Delay(50);
        }
    }

    private static async Task<ConnectionMultiplexer> ConnectAdminAsync(RedisServer redis) =>
        await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");

    /// <summary>A redis-server, a store client on it with the short answer timeout (connected), and an admin connection.</summary>
    private sealed class ImpatientStore : IAsyncDisposable
    {
        private readonly ConnectionMultiplexer _connection;

        private ImpatientStore(RedisServer redis, ConnectionMultiplexer connection, ConnectionMultiplexer admin)
        {
            Redis = redis;
            _connection = connection;
            Admin = admin;
            Secrets = new SecretStore(connection, maxPhraseAttempts: 5);
        }

        public RedisServer Redis { get; }

        public ConnectionMultiplexer Admin { get; }

        public SecretStore Secrets { get; }

        public static async Task<ImpatientStore> StartAsync()
        {
            var redis = await RedisServer.StartAsync();
            ConnectionMultiplexer? connection = null;
            ConnectionMultiplexer? admin = null;
            try
            {
                connection = await StoreConnection.ConnectAsync(redis.ConnectionString, s_answerTimeout);
                admin = await ConnectAdminAsync(redis);
                var store = new ImpatientStore(redis, connection, admin);
                await WaitUntilConnectedAsync(store.Secrets);
                return store;
            }
            catch
            {
                if (admin is not null)
                {
                    await admin.DisposeAsync();
                }

                if (connection is not null)
                {
                    await connection.DisposeAsync();
                }

                redis.Dispose();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await Admin.DisposeAsync();
            await _connection.DisposeAsync();
            Redis.Dispose();
        }
    }
}
