using System.Buffers;
using BenchmarkDotNet.Attributes;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Benchmarks;

/// <summary>
/// <see cref="ResponseWriter"/> per response kind, body built first as the routes do, into one pre-sized
/// <see cref="ArrayBufferWriter{T}"/> that is reset (never grown) between operations.
/// </summary>
[MemoryDiagnoser]
public class ResponseBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private readonly byte[] _json = new byte[16 * 1024];
    private byte[] _key = [];
    private byte[] _plainSecret = [];
    private byte[] _escapedSecret = [];

    /// <summary>Prepares the key and the two secrets.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _key = Requests.Bytes(Requests.SampleKey);
        _plainSecret = Requests.Bytes(Requests.Secret);

        // Quotes, a backslash, control characters and non-ASCII: the escaping path.
        _escapedSecret = Requests.Bytes("line 1\nline 2\t\"quoted\" C:\\path \u0001 pässwörd 🔑");
    }

    /// <summary><c>201 {"secret_key":"…"}</c>.</summary>
    [Benchmark(Baseline = true)]
    public int Created201()
    {
        _output.ResetWrittenCount();
        var length = CreateSecret.WriteCreatedBody(_key, _json);
        ResponseWriter.Write(_output, HttpStatus.Created, _json.AsSpan(0, length));
        return _output.WrittenCount;
    }

    /// <summary><c>200 {"secret":"…"}</c> with a secret that needs no escaping.</summary>
    [Benchmark]
    public int Revealed200Plain() => Revealed(_plainSecret);

    /// <summary><c>200 {"secret":"…"}</c> with quotes, backslashes and control characters to escape.</summary>
    [Benchmark]
    public int Revealed200Escaped() => Revealed(_escapedSecret);

    /// <summary><c>404 {"Error":"Key not found"}</c>.</summary>
    [Benchmark]
    public int NotFound404()
    {
        _output.ResetWrittenCount();
        ResponseWriter.Write(_output, HttpStatus.NotFound, ApiErrors.KeyNotFound);
        return _output.WrittenCount;
    }

    /// <summary>A framing rejection (431) with <c>Connection: close</c>.</summary>
    [Benchmark]
    public int Rejection431()
    {
        _output.ResetWrittenCount();
        const RejectReason reason = RejectReason.HeadersTooLarge;
        ResponseWriter.Write(_output, Rejections.StatusOf(reason), Rejections.BodyOf(reason), ConnectionDirective.Close);
        return _output.WrittenCount;
    }

    private int Revealed(byte[] secret)
    {
        _output.ResetWrittenCount();
        var length = RevealSecret.WriteRevealedBody(secret, _json);
        ResponseWriter.Write(_output, HttpStatus.OK, _json.AsSpan(0, length));
        return _output.WrittenCount;
    }
}
