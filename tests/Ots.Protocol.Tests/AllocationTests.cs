using System.Buffers;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Ots.Crypto;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary>
/// The 0 B gate (STYLE §8, DESIGN §4): every protocol operation allocates nothing per request, which CI enforces here
/// instead of parsing BenchmarkDotNet output (as Garnet's <c>BDN_Benchmark_Config.json</c> expectations do).
/// Each operation runs first to warm up (JIT tiers, static constructors, the thread's array-pool cache), then
/// <see cref="Iterations"/> times between two reads of <see cref="GC.GetAllocatedBytesForCurrentThread"/>.
/// That is a count of bytes, not a timing: deterministic, whatever the machine's load.
/// Crypto has a known floor instead of 0: one <see cref="AesGcm"/> per seal or open (the key changes per request),
/// 32 B for its OpenSSL handle plus, unless the JIT puts it on the stack, 32 B for the object.
/// The class runs alone (no other test allocating in parallel), which keeps GCs out of the measured windows.
/// </summary>
[Collection(nameof(AllocationTests))]
public class AllocationTests
{
    private const int WarmUp = 100;
    private const int Iterations = 1_000;
    private const int MaxWindows = 5;

    // One AesGcm on the managed heap: the SafeHandle of its OpenSSL cipher context, always, and the AesGcm object
    // itself, which optimized code (tier 1, with the constructor and Dispose inlined) allocates on the stack since
    // .NET 10's escape analysis. Unoptimized code (a Debug build, as plain `dotnet test` makes, or tier 0) pays both.
    private const long AesGcmHandleBytes = 32;
    private const long AesGcmObjectBytes = 32;

    private static readonly Dictionary<string, Func<bool>> s_protocol = ProtocolOperations();

    private static readonly Dictionary<string, (Func<bool> Operation, int AesGcmInstances)> s_crypto = CryptoOperations();

    public static TheoryData<string> ProtocolNames => new(s_protocol.Keys);

    public static TheoryData<string> CryptoNames => new(s_crypto.Keys);

    [Theory]
    [MemberData(nameof(ProtocolNames))]
    public void Protocol_operation_allocates_nothing(string name)
    {
        var allocated = LeastAllocated(s_protocol[name], static bytes => bytes == 0);
        Assert.True(allocated == 0, $"{name}: {allocated} B over {Iterations} runs ({allocated / (double)Iterations:0.##} B per run), expected 0.");
    }

    [Theory]
    [MemberData(nameof(CryptoNames))]
    public void Crypto_operation_allocates_its_AesGcm_instances_only(string name)
    {
        var (operation, instances) = s_crypto[name];
        var (least, most) = AesGcmBytes(typeof(SecretCipher).Assembly);
        var allocated = LeastAllocated(operation, bytes => PerRun(bytes) >= instances * least && PerRun(bytes) <= instances * most);
        Assert.True(
            PerRun(allocated) >= instances * least && PerRun(allocated) <= instances * most,
            $"{name}: {allocated} B over {Iterations} runs ({allocated / (double)Iterations:0.##} B per run), " +
            $"expected {instances} AesGcm ({instances * least}..{instances * most} B) per run.");
    }

    [Fact]
    public void An_AesGcm_instance_costs_the_known_floor()
    {
        // If a runtime update changes this, the crypto floor changes with it: update the constants and bench/results.md.
        var key = new byte[KeyDerivation.AesKeyLength];
        Func<bool> create = () =>
        {
            using var aes = new AesGcm(key, SecretCipher.TagLength);
            return true;
        };
        var (least, most) = AesGcmBytes(typeof(AllocationTests).Assembly);
        var perRun = PerRun(LeastAllocated(create, bytes => PerRun(bytes) >= least && PerRun(bytes) <= most));
        Assert.InRange(perRun, least, most);
    }

    /// <summary>The bytes one <see cref="AesGcm"/> created by code in <paramref name="assembly"/> may cost: exact when that code is not optimized.</summary>
    private static (long Least, long Most) AesGcmBytes(Assembly assembly)
    {
        var optimized = assembly.GetCustomAttribute<DebuggableAttribute>()?.IsJITOptimizerDisabled != true;
        return (optimized ? AesGcmHandleBytes : AesGcmHandleBytes + AesGcmObjectBytes, AesGcmHandleBytes + AesGcmObjectBytes);
    }

    /// <summary>
    /// Bytes per run, rounded down. An operation that allocates makes the thread take a new allocation context every
    /// few kilobytes, and the GC counts a few bytes of each one's tail as allocated (24 B or so per context, well under
    /// 1 B per run); rounding down drops that and nothing else, as any real allocation is at least 1 B per run.
    /// </summary>
    private static long PerRun(long bytes) => bytes / Iterations;

    /// <summary>
    /// Bytes this thread allocates in <see cref="Iterations"/> runs after the warm-up: the least over up to
    /// <see cref="MaxWindows"/> windows, stopping at the first <paramref name="expected"/> one. A GC in the middle of
    /// a window (another thread's, or a background GC) can retire this thread's allocation context and count its
    /// unused remainder as allocated (dotnet/coreclr#10207); that noise is not in every window, while a real
    /// allocation per run is: at least <see cref="Iterations"/> bytes in each one. So the least window is still a
    /// count, and still exact.
    /// </summary>
    private static long LeastAllocated(Func<bool> operation, Func<long, bool> expected)
    {
        for (var i = 0; i < WarmUp; i++)
        {
            Assert.True(operation(), "The operation did not give the expected result.");
        }

        var least = long.MaxValue;
        for (var window = 0; window < MaxWindows && !expected(least); window++)
        {
            // Start each window on a fresh gen0 budget, with no background GC running.
            GC.Collect();
            GC.WaitForPendingFinalizers();

            var ok = true;
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Iterations; i++)
            {
                ok &= operation();
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(ok, "The operation did not give the expected result on every run.");
            least = Math.Min(least, allocated);
        }

        return least;
    }

    private static Dictionary<string, Func<bool>> ProtocolOperations()
    {
        var generate = Requests.Generate;
        var reveal = Requests.Reveal(Requests.SampleKey);
        var health = Requests.Health;
        var http10 = Requests.Bytes("POST /generate?x=1 HTTP/1.0\r\nConnection: Keep-Alive, foo\r\nContent-Length: 2\r\n\r\n{}");
        var expect = Requests.Bytes("POST /generate HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
        var chunked = Requests.ChunkedGenerate;
        var pipelined = Requests.Pipelined16(Requests.SampleKey);
        var obsFold = Requests.Bytes("GET /healthz HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n");
        var tooLong = Requests.Bytes("GET /" + new string('a', HttpLimits.MaxRequestLineBytes) + " HTTP/1.1\r\n");
        var tlsHello = new byte[] { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03 };
        var chunkedBody = chunked[(int)HeadLength(chunked)..];

        var body = new byte[HttpLimits.DefaultMaxBodyBytes];
        var scratch = new byte[HttpLimits.DefaultMaxBodyBytes];
        var output = new ArrayBufferWriter<byte>(64 * 1024);
        var json = new byte[RevealSecret.MaxRevealedBodyLength(1024)];
        var key = Requests.Bytes(Requests.SampleKey);
        var plainSecret = Requests.Bytes(Requests.Secret);
        var escapedSecret = Requests.Bytes("line 1\nline 2\t\"quoted\" C:\\path \u0001 pässwörd 🔑");
        var server = new Server();

        return new()
        {
            ["parse POST /generate (Content-Length)"] = () => ParseComplete(Whole(generate), RequestTarget.Generate),
            ["parse POST /secrets/{key}"] = () => ParseComplete(Whole(reveal), RequestTarget.Secret),
            ["parse GET /healthz"] = () => ParseComplete(Whole(health), RequestTarget.Health),
            ["parse HTTP/1.0 with a Connection list and a query"] = () => ParseComplete(Whole(http10), RequestTarget.Generate),
            ["parse Expect: 100-continue, Connection: close"] = () => ParseComplete(Whole(expect), RequestTarget.Generate),
            ["parse chunked POST head"] = () => ParseComplete(Whole(chunked), RequestTarget.Generate),
            ["parse 16 pipelined requests"] = () => ParseAll(Whole(pipelined)) == 16,
            ["parse POST /generate in 64-byte segments"] = () => ParseComplete(Segmented(generate, 64), RequestTarget.Generate),
            ["parse POST /generate one byte per segment"] = () => ParseComplete(Segmented(generate, 1), RequestTarget.Generate),
            ["parse a prefix (incomplete)"] = () => Parse(Whole(generate.AsMemory(0, 60))) == ParseStatus.Incomplete,
            ["parse rejection: obs-fold"] = () => Parse(Whole(obsFold)) == ParseStatus.Invalid,
            ["parse rejection: request line too long"] = () => Parse(Whole(tooLong)) == ParseStatus.Invalid,
            ["parse rejection: TLS hello"] = () => Parse(Whole(tlsHello)) == ParseStatus.Invalid,

            ["decode chunked body"] = () => DecodeChunked(Whole(chunkedBody), body) == Requests.GenerateBody.Length,
            ["decode chunked body one byte per segment"] = () => DecodeChunked(Segmented(chunkedBody, 1), body) == Requests.GenerateBody.Length,

            ["read create body without ttl"] = () => ReadCreate(Whole(Requests.GenerateBody), scratch) == CreateSecretError.None,
            ["read create body with ttl"] = () => ReadCreate(Whole(Req.GenerateWithTtlBody), scratch) == CreateSecretError.None,
            ["read create body with ttl in 16-byte segments"] = () => ReadCreate(Segmented(Req.GenerateWithTtlBody, 16), scratch) == CreateSecretError.None,
            ["read create body with ttl one byte per segment"] = () => ReadCreate(Segmented(Req.GenerateWithTtlBody, 1), scratch) == CreateSecretError.None,
            ["read create body, phrase first, escapes"] = () => ReadCreate(Whole(Req.GenerateEscapedBody), scratch) == CreateSecretError.None,
            ["read create body with a negative ttl (400)"] = () => ReadCreate(Whole(Req.NegativeTtlBody), scratch) == CreateSecretError.TtlMemberInvalid,
            ["read create body with a non-string secret (400)"] = () => ReadCreate(Whole(Req.NumberSecretBody), scratch) == CreateSecretError.ParametersRequired,
            ["read reveal body"] = () => RevealSecret.TryRead(Whole(Requests.RevealBody), scratch, out var length) && length == Requests.Phrase.Length,
            ["read reveal body with escapes in 8-byte segments"] = () => RevealSecret.TryRead(Segmented(Req.RevealEscapedBody, 8), scratch, out _),
            ["read create body, phrase first, escapes, one byte per segment"] = () => ReadCreate(Segmented(Req.GenerateEscapedBody, 1), scratch) == CreateSecretError.None,

            ["write 201 created"] = () => Write(output, HttpStatus.Created, json.AsSpan(0, CreateSecret.WriteCreatedBody(key, json))),
            ["write 200 plain secret"] = () => Write(output, HttpStatus.OK, json.AsSpan(0, RevealSecret.WriteRevealedBody(plainSecret, json))),
            ["write 200 secret needing escapes"] = () => Write(output, HttpStatus.OK, json.AsSpan(0, RevealSecret.WriteRevealedBody(escapedSecret, json))),
            ["write 404 key not found"] = () => Write(output, HttpStatus.NotFound, ApiErrors.KeyNotFound),
            ["write 405 with Allow, HTTP/1.0 keep-alive"] = () => Write(output, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, ConnectionDirective.KeepAlive, AllowHeader.GetHead),
            ["write HEAD response (no body)"] = () => Write(output, HttpStatus.OK, ApiErrors.Healthy, omitBody: true),
            ["write rejection 431, Connection: close"] = () => Write(
                output, Rejections.StatusOf(RejectReason.HeadersTooLarge), Rejections.BodyOf(RejectReason.HeadersTooLarge), ConnectionDirective.Close),
            ["write 100 Continue"] = () =>
            {
                output.ResetWrittenCount();
                ResponseWriter.WriteContinue(output);
                return output.WrittenCount > 0;
            },

            ["end to end: POST /generate → 201"] = () => server.Serve(Whole(generate), output, "HTTP/1.1 201"u8) == 1,
            ["end to end: POST /secrets/{key} → 200"] = () => server.Serve(Whole(reveal), output, "HTTP/1.1 200"u8) == 1,
            ["end to end: GET /healthz → 200"] = () => server.Serve(Whole(health), output, "HTTP/1.1 200"u8) == 1,
            ["end to end: chunked POST /generate → 201"] = () => server.Serve(Whole(chunked), output, "HTTP/1.1 201"u8) == 1,
            ["end to end: 64-byte segments → 201"] = () => server.Serve(Segmented(generate, 64), output, "HTTP/1.1 201"u8) == 1,
            ["end to end: 16 pipelined requests"] = () => server.Serve(Whole(pipelined), output, "HTTP/1.1 201"u8) == 16,
            ["end to end: obs-fold → 400, close"] = () => server.Serve(Whole(obsFold), output, "HTTP/1.1 400"u8) == 1,
        };
    }

    private static Dictionary<string, (Func<bool>, int)> CryptoOperations()
    {
        var raw = new byte[SecretKey.RawLength];
        var decoded = new byte[SecretKey.RawLength];
        var encoded = new byte[SecretKey.EncodedLength];
        var derived = new byte[KeyDerivation.OutputLength];
        var pepper = new byte[32];
        var shortPhrase = Requests.Bytes(Requests.Phrase);
        var longPhrase = new byte[4096];
        var malformedKey = Requests.Bytes(Requests.SampleKey[..^1] + "!");
        SecretKey.Generate(raw);
        SecretKey.Encode(raw, encoded);

        var operations = new Dictionary<string, (Func<bool>, int)>
        {
            ["SecretKey.Generate"] = (() =>
            {
                SecretKey.Generate(decoded);
                return true;
            }, 0),
            ["SecretKey.Encode"] = (() =>
            {
                SecretKey.Encode(raw, encoded);
                return true;
            }, 0),
            ["SecretKey.TryDecode"] = (() => SecretKey.TryDecode(encoded, decoded), 0),
            ["SecretKey.TryDecode of a malformed key"] = (() => !SecretKey.TryDecode(malformedKey, decoded), 0),
            ["KeyDerivation.Derive, short phrase"] = (() =>
            {
                KeyDerivation.Derive(raw, shortPhrase, pepper, derived);
                return true;
            }, 0),
            ["KeyDerivation.Derive, 4 KiB phrase"] = (() =>
            {
                KeyDerivation.Derive(raw, longPhrase, pepper, derived);
                return true;
            }, 0),
        };

        var aesKey = derived.AsSpan(0, KeyDerivation.AesKeyLength).ToArray();
        var id = raw[..SecretKey.IdLength];
        foreach (var size in new[] { 64, 1024, 64 * 1024 })
        {
            var plaintext = new byte[size];
            var opened = new byte[size];
            var record = new byte[SecretCipher.GetRecordLength(size)];
            var sealedRecord = new byte[record.Length];
            SecretCipher.Seal(aesKey, id, plaintext, sealedRecord);
            operations[$"SecretCipher.Seal {size} B"] = (() =>
            {
                SecretCipher.Seal(aesKey, id, plaintext, record);
                return true;
            }, 1);
            operations[$"SecretCipher.TryOpen {size} B"] = (() => SecretCipher.TryOpen(aesKey, id, sealedRecord, opened), 1);
        }

        return operations;
    }

    private static ParseStatus Parse(in ReadOnlySequence<byte> buffer) =>
        Http1Parser.TryParseHead(buffer, HttpLimits.DefaultMaxBodyBytes, out _, out _, out _);

    private static bool ParseComplete(in ReadOnlySequence<byte> buffer, RequestTarget target) =>
        Http1Parser.TryParseHead(buffer, HttpLimits.DefaultMaxBodyBytes, out var head, out _, out _) == ParseStatus.Complete && head.Target == target;

    private static int ParseAll(ReadOnlySequence<byte> buffer)
    {
        var count = 0;
        while (!buffer.IsEmpty &&
            Http1Parser.TryParseHead(buffer, HttpLimits.DefaultMaxBodyBytes, out var head, out var headLength, out _) == ParseStatus.Complete)
        {
            buffer = buffer.Slice(headLength + head.ContentLength);
            count++;
        }

        return count;
    }

    private static int DecodeChunked(in ReadOnlySequence<byte> encoded, byte[] body)
    {
        var decoder = default(ChunkedDecoder);
        var reader = new SequenceReader<byte>(encoded);
        return decoder.Decode(ref reader, body, out _) == ParseStatus.Complete && reader.End ? decoder.Length : -1;
    }

    private static CreateSecretError ReadCreate(in ReadOnlySequence<byte> body, byte[] scratch) =>
        CreateSecret.TryRead(body, scratch, TtlPolicy.Default, out _);

    private static bool Write(
        ArrayBufferWriter<byte> output,
        HttpStatus status,
        ReadOnlySpan<byte> json,
        ConnectionDirective connection = ConnectionDirective.Default,
        AllowHeader allow = AllowHeader.None,
        bool omitBody = false)
    {
        output.ResetWrittenCount();
        ResponseWriter.Write(output, status, json, connection, allow, omitBody);
        return output.WrittenCount > json.Length;
    }

    private static long HeadLength(byte[] request)
    {
        Assert.Equal(ParseStatus.Complete, Http1Parser.TryParseHead(Whole(request), HttpLimits.DefaultMaxBodyBytes, out _, out var headLength, out _));
        return headLength;
    }

    private static ReadOnlySequence<byte> Whole(ReadOnlyMemory<byte> bytes) => new(bytes);

    /// <summary><paramref name="bytes"/> cut into segments of <paramref name="length"/> bytes, built once per call but before measuring.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] bytes, int length) => SegmentCache.Get(bytes, length);
}

/// <summary>Runs <see cref="AllocationTests"/> on its own, after the parallel collections.</summary>
[CollectionDefinition(nameof(AllocationTests), DisableParallelization = true)]
public sealed class RunsAlone
{
}

/// <summary>The bodies only the allocation tests read (the common requests: tests/Shared/Requests.cs).</summary>
file static class Req
{
    public static readonly byte[] GenerateWithTtlBody =
        Encoding.UTF8.GetBytes("""{"secret":"the launch code is 0000","phrase":"correct horse battery staple","ttl":{"days":0.5,"hours":1,"minutes":30,"seconds":1e1},"x":[1,{"y":null}]}""");

    public static readonly byte[] GenerateEscapedBody =
        Encoding.UTF8.GetBytes("""{"phrase":"p\u00e4ss \"w\"","\u0073ecret":"line\n\ttab \\ \ud83d\udd11 pässwörd","ttl":null}""");

    public static readonly byte[] NegativeTtlBody = Encoding.UTF8.GetBytes("""{"secret":"s","phrase":"p","ttl":{"hours":-1}}""");

    public static readonly byte[] NumberSecretBody = Encoding.UTF8.GetBytes("""{"secret":1,"phrase":"p"}""");

    public static readonly byte[] RevealEscapedBody = Encoding.UTF8.GetBytes("""{"other":"x","phr\u0061se":"correct \"horse\"\n\u00e9 battery"}""");
}

/// <summary>Multi-segment sequences, built once per (array, segment length) so that building them is never measured.</summary>
file static class SegmentCache
{
    private static readonly Dictionary<(byte[], int), ReadOnlySequence<byte>> s_cache = [];

    public static ReadOnlySequence<byte> Get(byte[] bytes, int length)
    {
        lock (s_cache)
        {
            if (!s_cache.TryGetValue((bytes, length), out var sequence))
            {
                sequence = Requests.Segmented(bytes, length);
                s_cache[(bytes, length)] = sequence;
            }

            return sequence;
        }
    }
}

/// <summary>
/// The handler's synchronous path without socket, store or crypto: parse → route → read body → write response, for
/// every complete request in a buffer (the benchmarks' <c>RequestProcessor</c> does the same with crypto too).
/// </summary>
file sealed class Server
{
    private static readonly byte[] s_key = Requests.Bytes(Requests.SampleKey);
    private static readonly byte[] s_secret = Requests.Bytes(Requests.Secret);

    private readonly byte[] _scratch = new byte[HttpLimits.DefaultMaxBodyBytes];
    private readonly byte[] _chunkedBody = new byte[HttpLimits.DefaultMaxBodyBytes];
    private readonly byte[] _json = new byte[1024];
    private ChunkedDecoder _chunked;

    /// <summary>Answers every complete request; returns how many, or -1 when the first response does not start with <paramref name="firstStatus"/>.</summary>
    public int Serve(ReadOnlySequence<byte> buffer, ArrayBufferWriter<byte> output, ReadOnlySpan<byte> firstStatus)
    {
        output.ResetWrittenCount();
        var answered = 0;
        while (!buffer.IsEmpty)
        {
            var status = Http1Parser.TryParseHead(buffer, HttpLimits.DefaultMaxBodyBytes, out var head, out var headLength, out var reason);
            if (status == ParseStatus.Incomplete)
            {
                break;
            }

            if (status == ParseStatus.Invalid)
            {
                ResponseWriter.Write(output, Rejections.StatusOf(reason), Rejections.BodyOf(reason), ConnectionDirective.Close);
                answered++;
                break;
            }

            buffer = buffer.Slice(headLength);
            ReadOnlySequence<byte> body = default;
            if (head.Framing == BodyFraming.ContentLength)
            {
                body = buffer.Slice(0, head.ContentLength);
                buffer = buffer.Slice(head.ContentLength);
            }
            else if (head.Framing == BodyFraming.Chunked)
            {
                _chunked.Reset();
                var reader = new SequenceReader<byte>(buffer);
                if (_chunked.Decode(ref reader, _chunkedBody, out _) != ParseStatus.Complete)
                {
                    return -1;
                }

                buffer = buffer.Slice(reader.Position);
                body = new ReadOnlySequence<byte>(_chunkedBody, 0, _chunked.Length);
            }

            var connection = head.KeepAlive ? ConnectionDirective.Default : ConnectionDirective.Close;
            switch (head.Target)
            {
                case RequestTarget.Generate when head.Method == KnownMethod.Post:
                    if (CreateSecret.TryRead(body, _scratch, TtlPolicy.Default, out _) != CreateSecretError.None)
                    {
                        return -1;
                    }

                    ResponseWriter.Write(output, HttpStatus.Created, _json.AsSpan(0, CreateSecret.WriteCreatedBody(s_key, _json)), connection);
                    break;
                case RequestTarget.Secret when head.Method == KnownMethod.Post:
                    if (!RevealSecret.TryRead(body, _scratch, out _) || head.KeySpan.Length != s_key.Length)
                    {
                        return -1;
                    }

                    ResponseWriter.Write(output, HttpStatus.OK, _json.AsSpan(0, RevealSecret.WriteRevealedBody(s_secret, _json)), connection);
                    break;
                case RequestTarget.Health:
                    ResponseWriter.Write(output, HttpStatus.OK, ApiErrors.Healthy, connection);
                    break;
                default:
                    ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.NotFound, connection);
                    break;
            }

            answered++;
        }

        return output.WrittenSpan.StartsWith(firstStatus) ? answered : -1;
    }
}
