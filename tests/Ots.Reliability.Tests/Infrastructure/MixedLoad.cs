using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>What happened to one secret, as its client saw it.</summary>
public sealed class SecretRecord(string key, string secret, string phrase)
{
    private int _revealed;
    private int _ambiguous;

    public string Key { get; } = key;

    public string Secret { get; } = secret;

    public string Phrase { get; } = phrase;

    /// <summary>200s with the right secret.</summary>
    public int Revealed => Volatile.Read(ref _revealed);

    /// <summary>A reveal was sent but never answered (503 or a broken connection): it may or may not have claimed the secret.</summary>
    public bool Ambiguous => Volatile.Read(ref _ambiguous) != 0;

    public void OnRevealed() => Interlocked.Increment(ref _revealed);

    public void OnAmbiguous() => Interlocked.Exchange(ref _ambiguous, 1);
}

/// <summary>
/// Outcome counts of a verification pass; everything in <see cref="Lost"/> and <see cref="RevealedTwice"/> is a failure.
/// <see cref="LostAsIncorrectPhrase"/> counts the lost secrets that answer 403 to the right phrase: their guard
/// survived and their record did not (half of an acknowledged generate).
/// </summary>
public sealed record Verification(
    int Acknowledged, int RevealedDuringLoad, int RevealedAfter, int AmbiguousRevealedAfter, int AmbiguousGone, int Lost, int LostAsIncorrectPhrase, int RevealedTwice);

/// <summary>
/// A bounded mixed generate/reveal load through one or more clients (one per edge), keeping a ledger of every
/// acknowledged secret and every answered reveal, then a verification pass that reveals every secret again.
/// Each secret is revealed by at most one request at a time, so a 404 for a secret that got a 201 and was not
/// revealed is a lost secret, and a second 200 is a double reveal.
/// </summary>
public sealed class MixedLoad
{
    private readonly HttpClient[] _clients;
    private readonly ConcurrentBag<SecretRecord> _all = [];
    private readonly ConcurrentQueue<SecretRecord> _unrevealed = new();
    private int _generated;
    private int _generateFailed;
    private int _revealed;
    private int _revealFailed;
    private int _lostDuringLoad;
    private int _serverErrors;
    private int _inFlight;

    public MixedLoad(params HttpClient[] clients)
    {
        _clients = clients;
    }

    public int Generated => Volatile.Read(ref _generated);

    public int GenerateFailed => Volatile.Read(ref _generateFailed);

    public int RevealedDuringLoad => Volatile.Read(ref _revealed);

    public int RevealFailed => Volatile.Read(ref _revealFailed);

    /// <summary>Answers other than 201/200/404/503 and the expected failures: always a bug.</summary>
    public int UnexpectedAnswers => Volatile.Read(ref _serverErrors);

    public int LostDuringLoad => Volatile.Read(ref _lostDuringLoad);

    /// <summary>Requests sent and not yet answered, now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public IReadOnlyCollection<SecretRecord> Secrets => _all;

    /// <summary>Runs <paramref name="workers"/> loops until <paramref name="stop"/>: two generates, then one reveal.</summary>
    public Task RunAsync(int workers, CancellationToken stop)
    {
        var tasks = new Task[workers];
        for (var i = 0; i < workers; i++)
        {
            var client = _clients[i % _clients.Length];
            tasks[i] = Task.Run(() => WorkAsync(client, stop), CancellationToken.None);
        }

        return Task.WhenAll(tasks);
    }

    /// <summary>
    /// Reveals every secret of the ledger again through <paramref name="client"/>, then once more: a secret revealed
    /// during the load must be 404 now, one never revealed must be 200 exactly once, one whose reveal was not answered
    /// may be either, and no secret may ever give a second 200.
    /// </summary>
    public async Task<Verification> VerifyAsync(HttpClient client, int concurrency = 16)
    {
        int revealedAfter = 0, ambiguousRevealedAfter = 0, ambiguousGone = 0, lost = 0, lostAs403 = 0, twice = 0;
        await Parallel.ForEachAsync(_all, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (record, _) =>
        {
            var first = await client.RevealAsync(record.Key, record.Phrase);
            Assert.True(first.Code is 200 or 403 or 404, "verification reveal: " + first);
            if (first.Code == 403)
            {
                // The right phrase refused: the guard exists and the record under this phrase's tag does not.
                Interlocked.Increment(ref lostAs403);
                if (!record.Ambiguous && record.Revealed == 0)
                {
                    Interlocked.Increment(ref lost);
                }

                return;
            }

            if (first.Code == 200)
            {
                Assert.Equal(record.Secret, Http.RevealedSecret(first.Body));
                record.OnRevealed();
                if (record.Revealed > 1)
                {
                    Interlocked.Increment(ref twice);
                }
                else if (record.Ambiguous)
                {
                    Interlocked.Increment(ref ambiguousRevealedAfter);
                }
                else
                {
                    Interlocked.Increment(ref revealedAfter);
                }
            }
            else if (record.Revealed == 0)
            {
                if (record.Ambiguous)
                {
                    Interlocked.Increment(ref ambiguousGone);
                }
                else
                {
                    Interlocked.Increment(ref lost);
                }
            }

            var second = await client.RevealAsync(record.Key, record.Phrase);
            if (second.Code != 404)
            {
                Interlocked.Increment(ref twice);
            }
        });

        return new Verification(_all.Count, RevealedDuringLoad, revealedAfter, ambiguousRevealedAfter, ambiguousGone, lost + LostDuringLoad, lostAs403, twice);
    }

    private async Task WorkAsync(HttpClient client, CancellationToken stop)
    {
        var step = 0;
        while (!stop.IsCancellationRequested)
        {
            var ok = ++step % 3 == 0 ? await RevealOneAsync(client) : await GenerateOneAsync(client);
            if (!ok)
            {
                // The store or the edge is down: don't spin, the fault is what is being measured.
                await Task.Delay(20, CancellationToken.None);
            }
        }
    }

    private async Task<bool> GenerateOneAsync(HttpClient client)
    {
        var secret = "s-" + Guid.NewGuid().ToString("N");
        var phrase = "p-" + Guid.NewGuid().ToString("N")[..12];
        var (status, body) = await SendAsync(client, "generate", Http.GenerateBody(secret, phrase));
        if (status == 201)
        {
            var record = new SecretRecord(Http.CreatedKey(body), secret, phrase);
            _all.Add(record);
            _unrevealed.Enqueue(record);
            Interlocked.Increment(ref _generated);
            return true;
        }

        CountUnexpected(status);
        Interlocked.Increment(ref _generateFailed);
        return false;
    }

    private async Task<bool> RevealOneAsync(HttpClient client)
    {
        if (!_unrevealed.TryDequeue(out var record))
        {
            return true;
        }

        var (status, body) = await SendAsync(client, "secrets/" + record.Key, Http.RevealBody(record.Phrase));
        switch (status)
        {
            case 200:
                Assert.Equal(record.Secret, Http.RevealedSecret(body));
                record.OnRevealed();
                Interlocked.Increment(ref _revealed);
                return true;
            case 404:
                // Nobody else was revealing it: an acknowledged secret is gone.
                Interlocked.Increment(ref _lostDuringLoad);
                return true;
            default:
                CountUnexpected(status);
                record.OnAmbiguous();
                Interlocked.Increment(ref _revealFailed);
                return false;
        }
    }

    private void CountUnexpected(int status)
    {
        // 503 (store down) and 0 (the edge itself is gone: refused or cut off) are the faults under test.
        if (status is not (503 or 0))
        {
            Interlocked.Increment(ref _serverErrors);
        }
    }

    private async Task<(int Status, string Body)> SendAsync(HttpClient client, string path, string body)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content, cancel.Token);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(cancel.Token));
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException or IOException)
        {
            return (0, "");
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}

/// <summary>Status counts of many requests, for assertions and the report.</summary>
public sealed class StatusCounts
{
    private readonly ConcurrentDictionary<int, int> _counts = new();

    public void Add(HttpStatusCode status) => Add((int)status);

    public void Add(int status) => _counts.AddOrUpdate(status, 1, (_, count) => count + 1);

    public int this[int status] => _counts.TryGetValue(status, out var count) ? count : 0;

    public int Total => _counts.Values.Sum();

    public override string ToString() =>
        string.Join(", ", _counts.OrderBy(pair => pair.Key).Select(pair => pair.Key + ": " + pair.Value));
}
