using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ots.Protocol.Routes;

namespace Ots.Benchmarks;

/// <summary>The route body readers: <c>CreateSecret.TryRead</c> and <c>RevealSecret.TryRead</c>.</summary>
[MemoryDiagnoser]
public class JsonBodyBenchmarks
{
    private readonly byte[] _scratch = new byte[4096];
    private ReadOnlySequence<byte> _create;
    private ReadOnlySequence<byte> _createWithTtl;
    private ReadOnlySequence<byte> _createSegmented;
    private ReadOnlySequence<byte> _reveal;
    private ReadOnlySequence<byte> _invalid;

    /// <summary>Builds the bodies and checks each one reads as expected.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _create = Requests.Whole(Requests.GenerateBody);
        _createWithTtl = Requests.Whole(Requests.GenerateWithTtlBody);
        _createSegmented = Requests.Segmented(Requests.GenerateWithTtlBody, 16);
        _reveal = Requests.Whole(Requests.RevealBody);
        _invalid = Requests.Whole(Requests.Bytes("""{"secret":"s","phrase":"p" """));

        if (CreateNoTtl() < 0 || CreateWithTtl() < 0 || CreateWithTtlSegmented() < 0 || Reveal() < 0 || CreateInvalidJson() >= 0)
        {
            throw new InvalidOperationException("A benchmark body did not read as expected.");
        }
    }

    /// <summary><c>{"secret","phrase"}</c>: the default TTL.</summary>
    [Benchmark(Baseline = true)]
    public long CreateNoTtl() => Create(_create);

    /// <summary><c>{"secret","phrase","ttl":{"hours","minutes"}}</c>: the TTL is summed exactly (decimal).</summary>
    [Benchmark]
    public long CreateWithTtl() => Create(_createWithTtl);

    /// <summary>The same body in 16-byte segments: tokens cross segments.</summary>
    [Benchmark]
    public long CreateWithTtlSegmented() => Create(_createSegmented);

    /// <summary><c>{"phrase"}</c>.</summary>
    [Benchmark]
    public int Reveal() => RevealSecret.TryRead(_reveal, _scratch, out var phraseLength) ? phraseLength : -1;

    /// <summary>
    /// Truncated JSON: the 400 path. <see cref="System.Text.Json.Utf8JsonReader"/> reports malformed JSON only by
    /// throwing, so this one allocates (the exception); measured to keep that cost visible.
    /// </summary>
    [Benchmark]
    public long CreateInvalidJson() => Create(_invalid);

    private long Create(in ReadOnlySequence<byte> body) =>
        CreateSecret.TryRead(body, _scratch, TtlPolicy.Default, out var request) == CreateSecretError.None
            ? request.SecretLength + request.PhraseLength + request.TtlMilliseconds
            : -1;
}
