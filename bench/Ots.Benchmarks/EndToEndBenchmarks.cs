using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Ots.Benchmarks;

/// <summary>
/// Parse → route → read body → write response per request kind, through <see cref="RequestProcessor"/> (the
/// handler's synchronous path without socket and store). The protocol-only rows must allocate 0 B; the
/// <c>…WithCrypto</c> rows add key derivation and AES-GCM, whose floor is one <c>AesGcm</c> per seal or open.
/// </summary>
[MemoryDiagnoser]
public class EndToEndBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly RequestProcessor _protocol = new(withCrypto: false);
    private readonly RequestProcessor _crypto = new(withCrypto: true);
    private ReadOnlySequence<byte> _generate;
    private ReadOnlySequence<byte> _reveal;
    private ReadOnlySequence<byte> _health;
    private ReadOnlySequence<byte> _chunked;
    private ReadOnlySequence<byte> _pipelined;
    private ReadOnlySequence<byte> _segmented;
    private ReadOnlySequence<byte> _malformed;
    private ReadOnlySequence<byte> _revealStored;

    /// <summary>Builds the requests, stores the secret the crypto reveal opens, and checks every answer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _generate = Requests.Whole(Requests.Generate);
        _reveal = Requests.Whole(Requests.Reveal(Requests.SampleKey));
        _health = Requests.Whole(Requests.Health);
        _chunked = Requests.Whole(Requests.ChunkedGenerate);
        _pipelined = Requests.Whole(Requests.Pipelined16(Requests.SampleKey));
        _segmented = Requests.Segmented(Requests.Generate, 64);
        _malformed = Requests.Whole(Requests.Malformed);
        _revealStored = Requests.Whole(Requests.Reveal(_crypto.Store()));

        Expect(Generate, "HTTP/1.1 201 ");
        Expect(Reveal, "HTTP/1.1 200 ");
        Expect(Health, "HTTP/1.1 200 ");
        Expect(ChunkedGenerate, "HTTP/1.1 201 ");
        Expect(MultiSegmentGenerate, "HTTP/1.1 201 ");
        Expect(Rejection, "HTTP/1.1 400 ");
        Expect(GenerateWithCrypto, "HTTP/1.1 201 ");
        Expect(RevealWithCrypto, "HTTP/1.1 200 {\"secret\"", "{\"secret\":\"" + Requests.Secret + "\"}");
        if (Pipelined16() != 16)
        {
            throw new InvalidOperationException("The pipelined buffer did not yield 16 responses.");
        }
    }

    /// <summary><c>POST /generate</c> → 201 (fixed key).</summary>
    [Benchmark(Baseline = true)]
    public int Generate() => Run(_protocol, _generate);

    /// <summary><c>POST /secrets/{key}</c> → 200 (fixed secret).</summary>
    [Benchmark]
    public int Reveal() => Run(_protocol, _reveal);

    /// <summary><c>GET /healthz</c> → 200.</summary>
    [Benchmark]
    public int Health() => Run(_protocol, _health);

    /// <summary>Chunked <c>POST /generate</c> → 201.</summary>
    [Benchmark]
    public int ChunkedGenerate() => Run(_protocol, _chunked);

    /// <summary><c>POST /generate</c> in 64-byte segments → 201.</summary>
    [Benchmark]
    public int MultiSegmentGenerate() => Run(_protocol, _segmented);

    /// <summary>Sixteen pipelined requests (generate, reveal, healthz, 404, four times) → sixteen responses.</summary>
    [Benchmark]
    public int Pipelined16() => Run(_protocol, _pipelined);

    /// <summary>An obs-fold header → 400 with <c>Connection: close</c>.</summary>
    [Benchmark]
    public int Rejection() => Run(_protocol, _malformed);

    /// <summary><c>POST /generate</c> with a new key, HKDF and AES-GCM seal → 201.</summary>
    [Benchmark]
    public int GenerateWithCrypto() => Run(_crypto, _generate);

    /// <summary><c>POST /secrets/{key}</c> with key decoding, HKDF and AES-GCM open → 200.</summary>
    [Benchmark]
    public int RevealWithCrypto() => Run(_crypto, _revealStored);

    private int Run(RequestProcessor processor, in ReadOnlySequence<byte> request)
    {
        _output.ResetWrittenCount();
        return processor.ProcessRequests(request, _output);
    }

    private void Expect(Func<int> benchmark, string statusLine, string? body = null)
    {
        var answered = benchmark();
        var text = Encoding.UTF8.GetString(_output.WrittenSpan);
        if (answered != 1 || !text.StartsWith(statusLine[..13], StringComparison.Ordinal) || (body is not null && !text.EndsWith(body, StringComparison.Ordinal)))
        {
            throw new InvalidOperationException("Unexpected response: " + text);
        }
    }
}
