using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ots.Protocol.Http;

namespace Ots.Benchmarks;

/// <summary>
/// <c>Http1Parser.TryParseHead</c> per request kind, and the chunked body decoder. Each benchmark returns a
/// value derived from the parse so the work cannot be optimised away.
/// </summary>
[MemoryDiagnoser]
public class ParseBenchmarks
{
    private const long MaxBody = HttpLimits.DefaultMaxBodyBytes;

    private readonly byte[] _chunkedBody = new byte[HttpLimits.DefaultMaxBodyBytes];
    private ReadOnlySequence<byte> _generate;
    private ReadOnlySequence<byte> _reveal;
    private ReadOnlySequence<byte> _health;
    private ReadOnlySequence<byte> _chunked;
    private ReadOnlySequence<byte> _pipelined;
    private ReadOnlySequence<byte> _segments64;
    private ReadOnlySequence<byte> _bytePerSegment;

    /// <summary>Builds the inputs and checks that each one parses.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _generate = Requests.Whole(Requests.Generate);
        _reveal = Requests.Whole(Requests.Reveal(Requests.SampleKey));
        _health = Requests.Whole(Requests.Health);
        _chunked = Requests.Whole(Requests.ChunkedGenerate);
        _pipelined = Requests.Whole(Requests.Pipelined16(Requests.SampleKey));
        _segments64 = Requests.Segmented(Requests.Generate, 64);
        _bytePerSegment = Requests.Segmented(Requests.Generate, 1);

        Check(GeneratePost() > 0 && RevealPost() > 0 && HealthGet() > 0 && ChunkedPost() > 0);
        Check(Pipelined16() == 16 && MultiSegment64() > 0 && MultiSegmentBytePerSegment() > 0);
    }

    /// <summary><c>POST /generate</c> with a Content-Length body (the head only).</summary>
    [Benchmark(Baseline = true)]
    public long GeneratePost() => ParseHead(_generate);

    /// <summary><c>POST /secrets/{key}</c>: the key segment is copied into the head.</summary>
    [Benchmark]
    public long RevealPost() => ParseHead(_reveal);

    /// <summary><c>GET /healthz</c>.</summary>
    [Benchmark]
    public long HealthGet() => ParseHead(_health);

    /// <summary>A chunked <c>POST /generate</c>: the head, then the three chunks decoded into the body buffer.</summary>
    [Benchmark]
    public long ChunkedPost()
    {
        if (Http1Parser.TryParseHead(_chunked, MaxBody, out _, out var headLength, out _) != ParseStatus.Complete)
        {
            return -1;
        }

        var decoder = default(ChunkedDecoder);
        var reader = new SequenceReader<byte>(_chunked.Slice(headLength));
        return decoder.Decode(ref reader, _chunkedBody, out _) == ParseStatus.Complete ? decoder.Length : -1;
    }

    /// <summary>Sixteen pipelined requests in one buffer (the whole buffer per operation): each head, then its body skipped.</summary>
    [Benchmark]
    public int Pipelined16()
    {
        var buffer = _pipelined;
        var count = 0;
        while (!buffer.IsEmpty &&
            Http1Parser.TryParseHead(buffer, MaxBody, out var head, out var headLength, out _) == ParseStatus.Complete)
        {
            buffer = buffer.Slice(headLength + head.ContentLength);
            count++;
        }

        return count;
    }

    /// <summary>The generate POST in 64-byte segments: most lines cross a segment and are copied to be parsed.</summary>
    [Benchmark]
    public long MultiSegment64() => ParseHead(_segments64);

    /// <summary>The generate POST one byte per segment: the worst case a slow client can force.</summary>
    [Benchmark]
    public long MultiSegmentBytePerSegment() => ParseHead(_bytePerSegment);

    private static long ParseHead(in ReadOnlySequence<byte> buffer) =>
        Http1Parser.TryParseHead(buffer, MaxBody, out var head, out var headLength, out _) == ParseStatus.Complete
            ? headLength + head.ContentLength + (int)head.Target
            : -1;

    private static void Check(bool condition)
    {
        if (!condition)
        {
            throw new InvalidOperationException("A benchmark input did not parse as expected.");
        }
    }
}
