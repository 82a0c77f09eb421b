using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Cluster.Tests.Infrastructure;

/// <summary>
/// Generate/reveal traffic through both edges, with a ledger of every secret the service acknowledged (201) and
/// of every answer to its reveals, to check afterwards that none was lost and none revealed twice.
/// </summary>
/// <remarks>
/// Each worker loops: generate one secret through a random edge, then take the oldest unrevealed secret and send
/// its right phrase through both edges at once, so two readers race on every reveal. Allowed answers: 201 or 503 to
/// a generate, 200/404/503 to a reveal (exactly one 200 per secret, ever). Anything else, and any request that
/// fails or hangs past the client timeout, is recorded as unexpected.
/// </remarks>
public sealed class SecretLoad(IReadOnlyList<ClusterEdge> edges)
{
    private readonly ConcurrentQueue<Entry> _unrevealed = new();
    private readonly ConcurrentBag<Entry> _acknowledged = [];
    private readonly ConcurrentQueue<string> _unexpected = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private long _maxLatencyTicks;
    private int _sequence;

    /// <summary>Secrets the service acknowledged with 201.</summary>
    public IReadOnlyCollection<Entry> Acknowledged => _acknowledged;

    /// <summary>Requests answered otherwise than allowed, or not answered at all.</summary>
    public IReadOnlyCollection<string> Unexpected => _unexpected;

    /// <summary>Answers by kind and status, e.g. <c>generate 201</c> → 812.</summary>
    public IReadOnlyDictionary<string, int> Counts => _counts;

    /// <summary>The slowest answer seen.</summary>
    public TimeSpan MaxLatency => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _maxLatencyTicks));

    /// <summary>Generates <paramref name="count"/> secrets before the load (they wait in the reveal queue).</summary>
    public async Task SeedAsync(int count, int parallelism = 16) =>
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (_, _) => await GenerateAsync());

    /// <summary>Runs <paramref name="workers"/> loops until <paramref name="stop"/> is cancelled.</summary>
    public async Task RunAsync(int workers, CancellationToken stop) =>
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await GenerateAsync();
                if (_unrevealed.TryDequeue(out var entry))
                {
                    await RaceRevealAsync(entry);
                }
            }
        })));

    /// <summary>
    /// After the load: no secret was revealed twice, and every acknowledged secret not revealed yet reveals now,
    /// exactly once, including those whose reveals were answered 503 (a claim that ran after its 503 puts the record
    /// back: SecretStore's late claims).
    /// </summary>
    /// <param name="atRisk">
    /// Secrets whose reveals may have met the event under test (e.g. their slot moved): those already revealed are
    /// asked once more, and must be gone (a copy left behind on another node would answer 200 again).
    /// </param>
    public async Task<string> VerifyAsync(Func<string, bool> atRisk)
    {
        var twice = _acknowledged.Where(e => e.Count(200) > 1).Select(e => e.Describe()).ToList();
        Assert.True(twice.Count == 0, "revealed more than once:\n" + string.Join('\n', twice));

        var revealedAtRisk = _acknowledged.Where(e => e.Count(200) == 1 && atRisk(e.Key)).ToList();
        var again = await Task.WhenAll(revealedAtRisk.Select(e => RevealRetryingAsync(e.Edge(edges, 1), e)));
        var revealedAgain = revealedAtRisk.Zip(again).Where(x => x.Second.Code != 404).Select(x => x.First.Describe() + " -> " + x.Second.Code).ToList();
        Assert.True(revealedAgain.Count == 0, "revealed again after the event:\n" + string.Join('\n', revealedAgain));

        var lost = new ConcurrentQueue<string>();
        var revealedAfter503 = 0;
        await Parallel.ForEachAsync(
            _acknowledged.Where(e => e.Count(200) == 0),
            new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (entry, _) =>
            {
                var first = await RevealRetryingAsync(entry.Edge(edges, 0), entry);
                if (first.Code == 200)
                {
                    Assert.Equal(entry.Secret, Http.RevealedSecret(first.Body));
                    (await RevealRetryingAsync(entry.Edge(edges, 1), entry)).AssertIs(404, Http.KeyNotFound);
                    if (entry.Count(503) > 0)
                    {
                        Interlocked.Increment(ref revealedAfter503);
                    }
                }
                else
                {
                    lost.Enqueue(entry.Describe() + " -> final reveal " + first.Code + " " + first.Body);
                }
            });
        Assert.True(lost.IsEmpty, "acknowledged secrets lost:\n" + string.Join('\n', lost));
        Assert.True(_unexpected.IsEmpty, "unexpected answers:\n" + string.Join('\n', _unexpected.Take(20)));

        return "acknowledged " + _acknowledged.Count + ", revealed at risk and checked gone: " + revealedAtRisk.Count + ", " +
            string.Join(", ", _counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => c.Key + ": " + c.Value)) +
            ", revealed at the end after a 503 reveal: " + revealedAfter503 + ", slowest answer " + MaxLatency.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture) + " ms";
    }

    // A 503 says "the store did not answer in time, ask again", which a client does: an edge with a short store
    // timeout gives some on a busy machine even after the event under test.
    private static async Task<ApiResponse> RevealRetryingAsync(ClusterEdge edge, Entry entry)
    {
        for (var attempt = 1; ; attempt++)
        {
            var response = await edge.Client.RevealAsync(entry.Key, entry.Phrase);
            if (response.Code != 503 || attempt == 20)
            {
                return response;
            }

            await Task.Delay(100);
        }
    }

    private async Task GenerateAsync()
    {
        var n = Interlocked.Increment(ref _sequence);
        var edge = edges[n % edges.Count];
        var secret = "load secret " + n.ToString(CultureInfo.InvariantCulture);
        var phrase = "phrase " + n.ToString(CultureInfo.InvariantCulture);
        var response = await SendAsync("generate", edge, () => edge.Client.PostAsync("generate", Http.GenerateBody(secret, phrase)), 201, 503);
        if (response?.Code == 201)
        {
            var entry = new Entry(Http.CreatedKey(response.Body), secret, phrase, n);
            _acknowledged.Add(entry);
            _unrevealed.Enqueue(entry);
        }
    }

    private async Task RaceRevealAsync(Entry entry)
    {
        var answers = await Task.WhenAll(edges.Select(edge =>
            SendAsync("reveal", edge, () => edge.Client.RevealAsync(entry.Key, entry.Phrase), 200, 404, 503)));
        foreach (var answer in answers)
        {
            if (answer is null)
            {
                entry.Record(0);
                continue;
            }

            entry.Record(answer.Code);
            if (answer.Code == 200 && Http.RevealedSecret(answer.Body) != entry.Secret)
            {
                _unexpected.Enqueue("reveal of " + entry.Describe() + " returned another secret");
            }
        }
    }

    private async Task<ApiResponse?> SendAsync(string kind, ClusterEdge edge, Func<Task<ApiResponse>> send, params int[] allowed)
    {
        var started = Stopwatch.GetTimestamp();
        ApiResponse? response = null;
        try
        {
            response = await send();
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            _unexpected.Enqueue(kind + " via " + edge.Name + ": " + exception.GetType().Name + " after " + Stopwatch.GetElapsedTime(started));
        }

        var elapsed = Stopwatch.GetTimestamp() - started;
        for (var max = Interlocked.Read(ref _maxLatencyTicks); elapsed > max; max = Interlocked.Read(ref _maxLatencyTicks))
        {
            if (Interlocked.CompareExchange(ref _maxLatencyTicks, elapsed, max) == max)
            {
                break;
            }
        }

        if (response is null)
        {
            return null;
        }

        _counts.AddOrUpdate(kind + " " + response.Code.ToString(CultureInfo.InvariantCulture), 1, (_, c) => c + 1);
        if (!allowed.Contains(response.Code))
        {
            _unexpected.Enqueue(kind + " via " + edge.Name + ": " + response.Code + " " + response.Body);
        }

        return response;
    }

    /// <summary>One acknowledged secret and the statuses its reveals got (0: no answer).</summary>
    public sealed class Entry(string key, string secret, string phrase, int sequence)
    {
        private readonly ConcurrentQueue<int> _statuses = new();

        public string Key { get; } = key;

        public string Secret { get; } = secret;

        public string Phrase { get; } = phrase;

        public int Count(int status) => _statuses.Count(s => s == status || (status == 503 && s == 0));

        public void Record(int status) => _statuses.Enqueue(status);

        /// <summary>Alternates the edge that asks first, by sequence number.</summary>
        public ClusterEdge Edge(IReadOnlyList<ClusterEdge> edges, int offset) => edges[(sequence + offset) % edges.Count];

        public string Describe() => "secret #" + sequence.ToString(CultureInfo.InvariantCulture) + " (reveals: " + string.Join(',', _statuses) + ")";
    }
}
