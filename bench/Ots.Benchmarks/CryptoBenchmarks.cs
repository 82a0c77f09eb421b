using BenchmarkDotNet.Attributes;
using Ots.Crypto;

namespace Ots.Benchmarks;

/// <summary><see cref="SecretKey"/> and <see cref="KeyDerivation"/>: the per-request key work, 0 B each.</summary>
[MemoryDiagnoser]
public class KeyBenchmarks
{
    private readonly byte[] _raw = new byte[SecretKey.RawLength];
    private readonly byte[] _decoded = new byte[SecretKey.RawLength];
    private readonly byte[] _encoded = new byte[SecretKey.EncodedLength];
    private readonly byte[] _output = new byte[KeyDerivation.OutputLength];
    private readonly byte[] _pepper = new byte[32];
    private readonly byte[] _shortPhrase = Requests.Bytes(Requests.Phrase);
    private readonly byte[] _longPhrase = new byte[4096];

    /// <summary>A key to encode and decode, and the two phrases.</summary>
    [GlobalSetup]
    public void Setup()
    {
        SecretKey.Generate(_raw);
        SecretKey.Encode(_raw, _encoded);
        _longPhrase.AsSpan().Fill((byte)'p');
    }

    /// <summary>32 bytes from the OS CSPRNG.</summary>
    [Benchmark]
    public byte Generate()
    {
        SecretKey.Generate(_decoded);
        return _decoded[0];
    }

    /// <summary>Base64url, no padding.</summary>
    [Benchmark]
    public byte Encode()
    {
        SecretKey.Encode(_raw, _encoded);
        return _encoded[0];
    }

    /// <summary>Strict decoding: decode, re-encode, compare in fixed time.</summary>
    [Benchmark]
    public bool TryDecode() => SecretKey.TryDecode(_encoded, _decoded);

    /// <summary>HKDF-SHA256 with a 28-byte phrase (ikm on the stack).</summary>
    [Benchmark]
    public byte DeriveShortPhrase()
    {
        KeyDerivation.Derive(_raw, _shortPhrase, _pepper, _output);
        return _output[0];
    }

    /// <summary>HKDF-SHA256 with a 4 KiB phrase (ikm in a pooled array).</summary>
    [Benchmark]
    public byte Derive4KiBPhrase()
    {
        KeyDerivation.Derive(_raw, _longPhrase, _pepper, _output);
        return _output[0];
    }
}

/// <summary>
/// <see cref="SecretCipher"/> per plaintext size. Each call creates one <c>AesGcm</c> (the key changes per request),
/// which is the whole of what these allocate.
/// </summary>
[MemoryDiagnoser]
public class CipherBenchmarks
{
    private readonly byte[] _key = new byte[KeyDerivation.AesKeyLength];
    private readonly byte[] _id = new byte[SecretKey.IdLength];
    private byte[] _plaintext = [];
    private byte[] _opened = [];
    private byte[] _record = [];
    private byte[] _sealed = [];

    /// <summary>Plaintext size in bytes: 64 B, 1 KiB, 64 KiB.</summary>
    [Params(64, 1024, 64 * 1024)]
    public int Size { get; set; }

    /// <summary>A random key and plaintext, and one sealed record to open.</summary>
    [GlobalSetup]
    public void Setup()
    {
        Random.Shared.NextBytes(_key);
        Random.Shared.NextBytes(_id);
        _plaintext = new byte[Size];
        Random.Shared.NextBytes(_plaintext);
        _opened = new byte[Size];
        _record = new byte[SecretCipher.GetRecordLength(Size)];
        _sealed = new byte[SecretCipher.GetRecordLength(Size)];
        SecretCipher.Seal(_key, _id, _plaintext, _sealed);
        if (!TryOpen())
        {
            throw new InvalidOperationException("The sealed record did not open.");
        }
    }

    /// <summary>Random nonce, AES-256-GCM encrypt.</summary>
    [Benchmark]
    public byte Seal()
    {
        SecretCipher.Seal(_key, _id, _plaintext, _record);
        return _record[^1];
    }

    /// <summary>AES-256-GCM decrypt and authenticate.</summary>
    [Benchmark]
    public bool TryOpen() => SecretCipher.TryOpen(_key, _id, _sealed, _opened);
}
