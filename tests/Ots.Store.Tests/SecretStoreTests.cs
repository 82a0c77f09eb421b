using System.Security.Cryptography;
using Ots.Edge.Store;
using Ots.Store.Tests.Infrastructure;
using StackExchange.Redis;

namespace Ots.Store.Tests;

/// <summary>DESIGN §3 on real stores: every theory runs against the embedded Garnet and a real redis-server.</summary>
public sealed class SecretStoreTests : IClassFixture<GarnetFixture>, IClassFixture<RedisFixture>
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromMinutes(5);

    private readonly GarnetFixture _garnet;
    private readonly RedisFixture _redis;

    public SecretStoreTests(GarnetFixture garnet, RedisFixture redis)
    {
        _garnet = garnet;
        _redis = redis;
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Create_then_reveal_returns_the_record_once(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        using (var first = await secrets.RevealAsync(secret.Id, secret.Tag))
        {
            Assert.Equal(RevealOutcome.Revealed, first.Outcome);
            Assert.Equal(secret.Record, first.Record.ToArray());
        }

        using var second = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, second.Outcome);
        Assert.True(second.Record.IsEmpty);

        // Nothing is left behind: neither the guard nor the claimed record's tombstone.
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Guard(secret.Id)));
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Record(secret.Id, secret.Tag)));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task A_record_as_large_as_the_body_limit_round_trips(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New(recordLength: 128 * 1024 + 29);
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        using var revealed = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
        Assert.True(revealed.Record.Span.SequenceEqual(secret.Record));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task A_wrong_phrase_is_counted_and_the_secret_stays(string store)
    {
        var secrets = Store(store, maxPhraseAttempts: 3);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        using (var wrong = await secrets.RevealAsync(secret.Id, Secret.NewTag()))
        {
            Assert.Equal(RevealOutcome.WrongPhrase, wrong.Outcome);
        }

        Assert.Equal(2, (long)await Database(store).StringGetAsync(StoreKeys.Guard(secret.Id)));
        using var right = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.Revealed, right.Outcome);
        Assert.Equal(secret.Record, right.Record.ToArray());
    }

    [Theory, OnGarnet, OnRedis]
    public async Task MaxPhraseAttempts_wrong_phrases_destroy_the_secret(string store)
    {
        var secrets = Store(store, maxPhraseAttempts: 3);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            using var wrong = await secrets.RevealAsync(secret.Id, Secret.NewTag());
            Assert.Equal(RevealOutcome.WrongPhrase, wrong.Outcome);
        }

        using (var right = await secrets.RevealAsync(secret.Id, secret.Tag))
        {
            Assert.Equal(RevealOutcome.NotFound, right.Outcome);
        }

        using var wrongAfter = await secrets.RevealAsync(secret.Id, Secret.NewTag());
        Assert.Equal(RevealOutcome.NotFound, wrongAfter.Outcome);
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Guard(secret.Id)));
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Record(secret.Id, secret.Tag)));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task A_guard_at_zero_counts_as_destroyed(string store)
    {
        // The window between the last wrong phrase's DECR (0) and its fire-and-forget DEL of the guard, or a DEL
        // that was lost: the right phrase must not win after the burn.
        var secrets = Store(store);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));
        await Database(store).StringSetAsync(StoreKeys.Guard(secret.Id), 0, s_ttl);

        using (var wrong = await secrets.RevealAsync(secret.Id, Secret.NewTag()))
        {
            Assert.Equal(RevealOutcome.NotFound, wrong.Outcome);
        }

        using var right = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, right.Outcome);
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Record(secret.Id, secret.Tag)));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task A_record_claimed_by_another_reader_is_NotFound_while_its_guard_lives(string store)
    {
        // The state between a winner's claim and its clean-up: the tombstone answers 404 to the right phrase,
        // while a wrong phrase is still counted.
        var secrets = Store(store, maxPhraseAttempts: 3);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));
        var claimed = await SecretStore.ClaimAsync(Database(store), StoreKeys.Record(secret.Id, secret.Tag));
        Assert.Equal(secret.Record, (byte[]?)claimed);

        using (var right = await secrets.RevealAsync(secret.Id, secret.Tag))
        {
            Assert.Equal(RevealOutcome.NotFound, right.Outcome);
        }

        Assert.Equal(3, (long)await Database(store).StringGetAsync(StoreKeys.Guard(secret.Id)));
        using var wrong = await secrets.RevealAsync(secret.Id, Secret.NewTag());
        Assert.Equal(RevealOutcome.WrongPhrase, wrong.Outcome);
    }

    [Theory, OnGarnet, OnRedis]
    public async Task An_empty_record_is_rejected(string store)
    {
        var secret = Secret.New();
        await Assert.ThrowsAsync<ArgumentException>(() => Store(store).CreateAsync(secret.Id, secret.Tag, [], s_ttl));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task An_unknown_id_is_NotFound(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();

        using var result = await secrets.RevealAsync(secret.Id, secret.Tag);

        Assert.Equal(RevealOutcome.NotFound, result.Outcome);
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Guard(secret.Id)));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Both_keys_carry_the_ttl(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        var ttl = TimeSpan.FromSeconds(30);
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, ttl));

        foreach (var key in new[] { StoreKeys.Guard(secret.Id), StoreKeys.Record(secret.Id, secret.Tag) })
        {
            var left = await Database(store).KeyTimeToLiveAsync(key);
            Assert.NotNull(left);
            Assert.InRange(left.Value, TimeSpan.FromTicks(1), ttl);
        }
    }

    [Theory, OnGarnet, OnRedis]
    public async Task A_secret_expires_with_its_ttl(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        var ttl = TimeSpan.FromMilliseconds(200);
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, ttl));

        foreach (var key in new[] { StoreKeys.Guard(secret.Id), StoreKeys.Record(secret.Id, secret.Tag) })
        {
            // Null only when a loaded machine took longer than the TTL to get here: the key has expired already.
            var left = await Database(store).KeyTimeToLiveAsync(key);
            Assert.InRange(left ?? TimeSpan.FromTicks(1), TimeSpan.FromTicks(1), ttl);
        }

        await Task.Delay(TimeSpan.FromMilliseconds(400));
        using var result = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, result.Outcome);
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Creating_an_existing_id_fails_and_keeps_the_first_secret(string store)
    {
        var secrets = Store(store);
        var first = Secret.New();
        var second = Secret.New() with { Id = first.Id };
        Assert.True(await secrets.CreateAsync(first.Id, first.Tag, first.Record, s_ttl));

        Assert.False(await secrets.CreateAsync(second.Id, second.Tag, second.Record, s_ttl));
        Assert.False(await secrets.CreateAsync(first.Id, first.Tag, second.Record, s_ttl));

        // The second call's record (created by its NX before the guard's NX failed) was cleaned up.
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Record(second.Id, second.Tag)));
        using var revealed = await secrets.RevealAsync(first.Id, first.Tag);
        Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
        Assert.Equal(first.Record, revealed.Record.ToArray());
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Creating_again_cannot_revive_a_destroyed_secret(string store)
    {
        // Destroyed: the guard is gone but the record under the right tag stays until its TTL. A create with the
        // same id and tag gets the guard's NX, fails the record's, and must take its guard back.
        var secrets = Store(store, maxPhraseAttempts: 1);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));
        using (var burn = await secrets.RevealAsync(secret.Id, Secret.NewTag()))
        {
            Assert.Equal(RevealOutcome.WrongPhrase, burn.Outcome);
        }

        Assert.False(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Guard(secret.Id)));
        using var right = await secrets.RevealAsync(secret.Id, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, right.Outcome);
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Concurrent_readers_reveal_exactly_once(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        await AssertOneOfManyRevealsAsync(secret, () => secrets.RevealAsync(secret.Id, secret.Tag));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Concurrent_wrong_phrases_racing_the_right_one_reveal_at_most_once(string store)
    {
        var secrets = Store(store, maxPhraseAttempts: 5);
        for (var round = 0; round < 10; round++)
        {
            var secret = Secret.New();
            Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

            var attempts = new Task<RevealResult>[21];
            for (var i = 0; i < attempts.Length; i++)
            {
                // The right phrase at a different position each round.
                attempts[i] = secrets.RevealAsync(secret.Id, i == round * 2 ? secret.Tag : Secret.NewTag());
            }

            var results = await Task.WhenAll(attempts);

            Assert.InRange(results.Count(r => r.Outcome == RevealOutcome.Revealed), 0, 1);
            Assert.InRange(results.Count(r => r.Outcome == RevealOutcome.WrongPhrase), 0, 5);
            foreach (var result in results)
            {
                result.Dispose();
            }

            // Revealed or destroyed: either way it is gone now.
            using var after = await secrets.RevealAsync(secret.Id, secret.Tag);
            Assert.Equal(RevealOutcome.NotFound, after.Outcome);
        }
    }

    // A pepper rotation (--previous-pepper): the reveal names the tag under the new pepper and the one under the
    // previous pepper, and a secret stored under either reveals, exactly once.

    [Theory, OnGarnet, OnRedis]
    public async Task In_a_rotation_a_secret_under_the_previous_tag_reveals_once_and_leaves_nothing(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        var newTag = Secret.NewTag();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        using (var first = await secrets.RevealAsync(secret.Id, newTag, secret.Tag))
        {
            Assert.Equal(RevealOutcome.Revealed, first.Outcome);
            Assert.True(first.UnderPreviousTag);
            Assert.Equal(secret.Record, first.Record.ToArray());
        }

        using var second = await secrets.RevealAsync(secret.Id, newTag, secret.Tag);
        Assert.Equal(RevealOutcome.NotFound, second.Outcome);
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Guard(secret.Id)));
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Record(secret.Id, secret.Tag)));
        Assert.False(await Database(store).KeyExistsAsync(StoreKeys.Record(secret.Id, newTag)));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task In_a_rotation_a_secret_under_the_new_tag_reveals_as_before(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        using var revealed = await secrets.RevealAsync(secret.Id, secret.Tag, Secret.NewTag());

        Assert.Equal(RevealOutcome.Revealed, revealed.Outcome);
        Assert.False(revealed.UnderPreviousTag);
        Assert.Equal(secret.Record, revealed.Record.ToArray());
    }

    [Theory, OnGarnet, OnRedis]
    public async Task In_a_rotation_a_phrase_matching_neither_tag_is_one_wrong_phrase(string store)
    {
        var secrets = Store(store, maxPhraseAttempts: 3);
        var secret = Secret.New();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        using (var wrong = await secrets.RevealAsync(secret.Id, Secret.NewTag(), Secret.NewTag()))
        {
            Assert.Equal(RevealOutcome.WrongPhrase, wrong.Outcome);
        }

        // One attempt spent, not two, and the claims of the two wrong tags created nothing.
        Assert.Equal(2, (long)await Database(store).StringGetAsync(StoreKeys.Guard(secret.Id)));
        using var right = await secrets.RevealAsync(secret.Id, Secret.NewTag(), secret.Tag);
        Assert.Equal(RevealOutcome.Revealed, right.Outcome);
        Assert.Equal(secret.Record, right.Record.ToArray());
    }

    [Theory, OnGarnet, OnRedis]
    public async Task In_a_rotation_concurrent_readers_reveal_exactly_once(string store)
    {
        var secrets = Store(store);
        var secret = Secret.New();
        var newTag = Secret.NewTag();
        Assert.True(await secrets.CreateAsync(secret.Id, secret.Tag, secret.Record, s_ttl));

        await AssertOneOfManyRevealsAsync(secret, () => secrets.RevealAsync(secret.Id, newTag, secret.Tag));
    }

    [Theory, OnGarnet, OnRedis]
    public void The_client_routes_both_keys_to_one_slot(string store)
    {
        var secret = Secret.New();
        Assert.Equal(
            Connection(store).HashSlot(StoreKeys.Guard(secret.Id)),
            Connection(store).HashSlot(StoreKeys.Record(secret.Id, secret.Tag)));
    }

    [Theory, OnGarnet, OnRedis]
    public async Task Ping_answers_while_the_store_runs(string store)
    {
        Assert.True(await Store(store).PingAsync());
    }

    /// <summary>Starts 100 reveals of <paramref name="secret"/> at once: exactly one reveals it, the others find nothing.</summary>
    private static async Task AssertOneOfManyRevealsAsync(Secret secret, Func<Task<RevealResult>> reveal)
    {
        var readers = new Task<RevealResult>[100];
        for (var i = 0; i < readers.Length; i++)
        {
            readers[i] = reveal();
        }

        var results = await Task.WhenAll(readers);

        Assert.Equal(1, results.Count(r => r.Outcome == RevealOutcome.Revealed));
        Assert.Equal(99, results.Count(r => r.Outcome == RevealOutcome.NotFound));
        Assert.Equal(secret.Record, results.Single(r => r.Outcome == RevealOutcome.Revealed).Record.ToArray());
        foreach (var result in results)
        {
            result.Dispose();
        }
    }

    private IConnectionMultiplexer Connection(string store) =>
        store == OnGarnetAttribute.Name ? _garnet.Connection : _redis.Connection;

    private IDatabase Database(string store) => Connection(store).GetDatabase();

    private SecretStore Store(string store, int maxPhraseAttempts = 5) => new(Connection(store), maxPhraseAttempts);
}

/// <summary>A random id, tag and record, as Ots.Crypto would produce them.</summary>
internal sealed record Secret(byte[] Id, byte[] Tag, byte[] Record)
{
    public static Secret New(int recordLength = 61) =>
        new(RandomNumberGenerator.GetBytes(16), NewTag(), RandomNumberGenerator.GetBytes(recordLength));

    public static byte[] NewTag() => RandomNumberGenerator.GetBytes(16);
}
