using System.Buffers;
using System.Security.Cryptography;
using Ots.Crypto;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Benchmarks;

/// <summary>
/// The synchronous part of <c>OtsConnectionHandler</c> (its read loop and <c>DispatchAsync</c>) without the socket and
/// the store: parse → route → read body → (crypto) → write response, for every complete request in a buffer. The
/// store round trip is replaced by memory: <c>Generate</c> seals into a buffer that is then dropped, <c>Reveal</c> opens
/// the one record <see cref="Store"/> sealed (it is never deleted, so every reveal finds it).
/// With <see cref="WithCrypto"/> off, the routes answer with a fixed key and secret so only Ots.Protocol is measured.
/// </summary>
internal sealed class RequestProcessor
{
    private const int MaxBody = HttpLimits.DefaultMaxBodyBytes;

    private readonly byte[] _scratch = new byte[MaxBody];
    private readonly byte[] _chunkedBody = new byte[MaxBody];
    private readonly byte[] _json = new byte[RevealSecret.MaxRevealedBodyLength(MaxBody)];
    private readonly byte[] _plaintext = new byte[MaxBody];
    private readonly byte[] _record = new byte[SecretCipher.GetRecordLength(MaxBody)];
    private readonly byte[] _sealed = new byte[SecretCipher.GetRecordLength(MaxBody)];
    private readonly byte[] _rawKey = new byte[SecretKey.RawLength];
    private readonly byte[] _derived = new byte[KeyDerivation.OutputLength];
    private readonly byte[] _fixedKey = Requests.Bytes(Requests.SampleKey);
    private readonly byte[] _fixedSecret = Requests.Bytes(Requests.Secret);
    private readonly byte[] _pepper = new byte[32];
    private int _recordLength;
    private ChunkedDecoder _chunked;

    public RequestProcessor(bool withCrypto) => WithCrypto = withCrypto;

    /// <summary>Whether the routes derive keys and seal/open records (Ots.Crypto) or answer with fixed values.</summary>
    public bool WithCrypto { get; }

    /// <summary>
    /// Seals <see cref="Requests.Secret"/> under <see cref="Requests.Phrase"/> as <c>POST /generate</c> would, and
    /// returns the new key, so a reveal request for it can be built.
    /// </summary>
    public string Store()
    {
        Span<byte> encoded = stackalloc byte[SecretKey.EncodedLength];
        SecretKey.Generate(_rawKey);
        KeyDerivation.Derive(_rawKey, Requests.Bytes(Requests.Phrase), _pepper, _derived);
        _recordLength = Seal(_fixedSecret, _record);
        SecretKey.Encode(_rawKey, encoded);
        return System.Text.Encoding.ASCII.GetString(encoded);
    }

    /// <summary>Answers every complete request at the start of <paramref name="buffer"/>; returns how many.</summary>
    public int ProcessRequests(ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        var answered = 0;
        while (!buffer.IsEmpty)
        {
            var status = Http1Parser.TryParseHead(buffer, MaxBody, out var head, out var headLength, out var reason);
            if (status == ParseStatus.Incomplete)
            {
                break;
            }

            if (status == ParseStatus.Invalid)
            {
                ResponseWriter.Write(output, Rejections.StatusOf(reason), Rejections.BodyOf(reason), ConnectionDirective.Close);
                return answered + 1;
            }

            buffer = buffer.Slice(headLength);
            ReadOnlySequence<byte> body;
            if (head.Framing == BodyFraming.ContentLength)
            {
                if (buffer.Length < head.ContentLength)
                {
                    break;
                }

                body = buffer.Slice(0, head.ContentLength);
                buffer = buffer.Slice(head.ContentLength);
            }
            else if (head.Framing == BodyFraming.Chunked)
            {
                _chunked.Reset();
                var reader = new SequenceReader<byte>(buffer);
                status = _chunked.Decode(ref reader, _chunkedBody, out reason);
                if (status == ParseStatus.Invalid)
                {
                    ResponseWriter.Write(output, Rejections.StatusOf(reason), Rejections.BodyOf(reason), ConnectionDirective.Close);
                    return answered + 1;
                }

                if (status == ParseStatus.Incomplete)
                {
                    break;
                }

                buffer = buffer.Slice(reader.Position);
                body = new ReadOnlySequence<byte>(_chunkedBody, 0, _chunked.Length);
            }
            else
            {
                body = ReadOnlySequence<byte>.Empty;
            }

            var connection = !head.KeepAlive ? ConnectionDirective.Close
                : head.IsHttp11 ? ConnectionDirective.Default : ConnectionDirective.KeepAlive;
            Dispatch(head, body, connection, output);
            answered++;
            if (connection == ConnectionDirective.Close)
            {
                break;
            }
        }

        return answered;
    }

    private void Dispatch(in RequestHead head, in ReadOnlySequence<byte> body, ConnectionDirective connection, IBufferWriter<byte> output)
    {
        var omitBody = head.Method == KnownMethod.Head;
        switch (head.Target)
        {
            case RequestTarget.Generate when head.Method == KnownMethod.Post:
                Create(body, connection, output);
                break;
            case RequestTarget.Secret when head.Method == KnownMethod.Post:
                Reveal(head.KeySpan, body, connection, output);
                break;
            case RequestTarget.Generate or RequestTarget.Secret:
                ResponseWriter.Write(output, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, connection, AllowHeader.Post, omitBody);
                break;
            case RequestTarget.Health or RequestTarget.Ready when head.Method is not (KnownMethod.Get or KnownMethod.Head):
                ResponseWriter.Write(output, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, connection, AllowHeader.GetHead);
                break;
            case RequestTarget.Health:
            case RequestTarget.Ready:
                ResponseWriter.Write(output, HttpStatus.OK, ApiErrors.Healthy, connection, omitBody: omitBody);
                break;
            default:
                ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.NotFound, connection, omitBody: omitBody);
                break;
        }
    }

    private void Create(in ReadOnlySequence<byte> body, ConnectionDirective connection, IBufferWriter<byte> output)
    {
        if (CreateSecret.TryRead(body, _scratch, TtlPolicy.Default, out var request) != CreateSecretError.None)
        {
            ResponseWriter.Write(output, HttpStatus.BadRequest, ApiErrors.GenerateParametersRequired, connection);
            return;
        }

        Span<byte> key = stackalloc byte[SecretKey.EncodedLength];
        if (WithCrypto)
        {
            SecretKey.Generate(_rawKey);
            KeyDerivation.Derive(_rawKey, request.Phrase(_scratch), _pepper, _derived);
            Seal(request.Secret(_scratch), _sealed);
            SecretKey.Encode(_rawKey, key);
            CryptographicOperations.ZeroMemory(_derived);
        }
        else
        {
            _fixedKey.CopyTo(key);
        }

        var length = CreateSecret.WriteCreatedBody(key, _json);
        ResponseWriter.Write(output, HttpStatus.Created, _json.AsSpan(0, length), connection);
    }

    private void Reveal(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> body, ConnectionDirective connection, IBufferWriter<byte> output)
    {
        if (!RevealSecret.TryRead(body, _scratch, out var phraseLength))
        {
            ResponseWriter.Write(output, HttpStatus.BadRequest, ApiErrors.RevealParametersRequired, connection);
            return;
        }

        ReadOnlySpan<byte> secret = _fixedSecret;
        if (WithCrypto)
        {
            if (!SecretKey.TryDecode(key, _rawKey))
            {
                ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.KeyNotFound, connection);
                return;
            }

            KeyDerivation.Derive(_rawKey, _scratch.AsSpan(0, phraseLength), _pepper, _derived);
            var plaintext = _plaintext.AsSpan(0, SecretCipher.GetPlaintextLength(_recordLength));
            var opened = SecretCipher.TryOpen(_derived.AsSpan(0, KeyDerivation.AesKeyLength), _rawKey.AsSpan(0, SecretKey.IdLength), _record.AsSpan(0, _recordLength), plaintext);
            CryptographicOperations.ZeroMemory(_derived);
            if (!opened)
            {
                ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.KeyNotFound, connection);
                return;
            }

            secret = plaintext;
        }

        var length = RevealSecret.WriteRevealedBody(secret, _json);
        ResponseWriter.Write(output, HttpStatus.OK, _json.AsSpan(0, length), connection);
    }

    private int Seal(ReadOnlySpan<byte> secret, byte[] record)
    {
        var length = SecretCipher.GetRecordLength(secret.Length);
        SecretCipher.Seal(_derived.AsSpan(0, KeyDerivation.AesKeyLength), _rawKey.AsSpan(0, SecretKey.IdLength), secret, record.AsSpan(0, length));
        return length;
    }
}
