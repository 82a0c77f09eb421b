using StackExchange.Redis;

namespace Ots.Edge.Store;

/// <summary>
/// Builds the one <see cref="ConnectionMultiplexer"/> an edge shares across all connections, configured for a
/// latency-sensitive front end: a store outage must turn into a quick 503, never a queue of waiting requests.
/// </summary>
public static class StoreConnection
{
    /// <summary>The default bound on connecting and on each store command: 2 s.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a command's reply is awaited in the background after its request has been answered 503: long enough
    /// for a store that holds writes for seconds (Garnet does while it migrates a slot), so that a late claim is
    /// put back instead of losing the secret (see <see cref="SecretStore"/>).
    /// </summary>
    public static readonly TimeSpan ReplyWindow = TimeSpan.FromSeconds(30);

    /// <summary>The client name the store sees (<c>CLIENT LIST</c>), so operators can tell edges from other clients.</summary>
    public const string ClientName = "ots-edge";

    /// <summary>
    /// Parses <paramref name="configuration"/> (a StackExchange.Redis configuration string, e.g. <c>127.0.0.1:6379</c>
    /// or <c>host1:6379,host2:6379,password=…,ssl=true</c>) and applies the edge's policy on top of it.
    /// </summary>
    /// <param name="configuration">Endpoints and options; the settings below override any given there.</param>
    /// <param name="storeTimeout">Bounds connecting and each command; positive.</param>
    /// <param name="password">The store's password when it comes from elsewhere (a file); overrides <c>password=</c>.</param>
    public static ConfigurationOptions CreateOptions(string configuration, TimeSpan storeTimeout, string? password = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(storeTimeout, TimeSpan.Zero);
        var timeoutMs = (int)Math.Min(storeTimeout.TotalMilliseconds, int.MaxValue);
        var options = ConfigurationOptions.Parse(configuration);

        // Start even while the store is down (the edge answers 503 and /readyz says so) and keep reconnecting in the
        // background, instead of failing the process at startup.
        options.AbortOnConnectFail = false;

        // While disconnected, fail a command at once (RedisConnectionException → 503) rather than queue it until the
        // connection is back: a queued reveal holds a client connection open and then runs after the client gave up.
        options.BacklogPolicy = BacklogPolicy.FailFast;

        // Two bounds. The store timeout bounds connecting and every answer: it is the SyncTimeout, which the store
        // client and the readiness probe read back (IConnectionMultiplexer.TimeoutMilliseconds) and wait with
        // WaitAsync. The AsyncTimeout, after which StackExchange.Redis fails a command and drops its reply, is the
        // longer reply window: a reply that arrives after its request was answered 503 is still seen, so a claim that
        // took a record can put it back. (It also checks timeouts only once per 1 s heartbeat; WaitAsync is exact.)
        options.ConnectTimeout = timeoutMs;
        options.SyncTimeout = timeoutMs;
        options.AsyncTimeout = (int)Math.Max(timeoutMs, ReplyWindow.TotalMilliseconds);

        // After an outage the store is usually back within seconds (a restart of Garnet replays its AOF quickly):
        // retry soon and often, capped, rather than the default backoff of up to tens of seconds.
        options.ReconnectRetryPolicy = new ExponentialRetry(deltaBackOffMilliseconds: 250, maxDeltaBackOffMilliseconds: 2000);

        options.ClientName = ClientName;
        if (!string.IsNullOrEmpty(password))
        {
            options.Password = password;
        }

        // Exception messages would otherwise carry key names, and a key carries a secret's id: keep ids out of logs.
        options.IncludeDetailInExceptions = false;
        return options;
    }

    /// <summary>
    /// Connects with <see cref="CreateOptions"/>. Completes within about <paramref name="storeTimeout"/> even when
    /// the store is unreachable; the multiplexer then keeps reconnecting in the background.
    /// </summary>
    /// <param name="configuration">Endpoints and options (see <see cref="CreateOptions"/>).</param>
    /// <param name="storeTimeout">Bounds connecting and each command; <see cref="DefaultTimeout"/> is a good start.</param>
    /// <param name="password">The store's password when it comes from elsewhere (see <see cref="CreateOptions"/>).</param>
    /// <param name="log">Receives StackExchange.Redis's connection log, or <see langword="null"/>.</param>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string configuration, TimeSpan storeTimeout, string? password = null, TextWriter? log = null) =>
        await ConnectionMultiplexer.ConnectAsync(CreateOptions(configuration, storeTimeout, password), log).ConfigureAwait(false);
}
