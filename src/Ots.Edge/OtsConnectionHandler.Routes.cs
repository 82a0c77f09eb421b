using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Ots.Crypto;
using Ots.Edge.Abuse;
using Ots.Edge.Hosting;
using Ots.Edge.Metrics;
using Ots.Edge.Store;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;
using StackExchange.Redis;

namespace Ots.Edge;

/// <summary>
/// Layout of the per-connection buffer that holds one request's key material between the synchronous crypto
/// and the store round trip: raw key (id ‖ k) ‖ AES key ‖ record tag, then the AES key and record tag derived under
/// the previous pepper (used only while one is configured). Wiped after every request.
/// </summary>
internal static class KeyMaterial
{
    public const int RawKeyOffset = 0;
    public const int AesKeyOffset = SecretKey.RawLength;
    public const int TagOffset = AesKeyOffset + KeyDerivation.AesKeyLength;
    public const int PreviousAesKeyOffset = TagOffset + KeyDerivation.RecordTagLength;
    public const int PreviousTagOffset = PreviousAesKeyOffset + KeyDerivation.AesKeyLength;
    public const int Length = PreviousTagOffset + KeyDerivation.RecordTagLength;

    public static Memory<byte> Id(byte[] material) => material.AsMemory(RawKeyOffset, SecretKey.IdLength);

    public static Memory<byte> Tag(byte[] material) => material.AsMemory(TagOffset, KeyDerivation.RecordTagLength);

    public static Span<byte> RawKey(byte[] material) => material.AsSpan(RawKeyOffset, SecretKey.RawLength);

    public static Span<byte> Derived(byte[] material) => material.AsSpan(AesKeyOffset, KeyDerivation.OutputLength);

    public static ReadOnlySpan<byte> AesKey(byte[] material) => material.AsSpan(AesKeyOffset, KeyDerivation.AesKeyLength);

    public static Memory<byte> PreviousTag(byte[] material) => material.AsMemory(PreviousTagOffset, KeyDerivation.RecordTagLength);

    public static Span<byte> PreviousDerived(byte[] material) => material.AsSpan(PreviousAesKeyOffset, KeyDerivation.OutputLength);

    public static ReadOnlySpan<byte> PreviousAesKey(byte[] material) => material.AsSpan(PreviousAesKeyOffset, KeyDerivation.AesKeyLength);
}

/// <content>Routing and the two API routes.</content>
internal sealed partial class OtsConnectionHandler
{
    /// <summary>Answers one complete request and returns its status. Synchronous routes complete without allocating.</summary>
    private ValueTask<HttpStatus> DispatchAsync(
        in RequestHead head, in ReadOnlySequence<byte> body, ConnectionDirective connection, ClientKey peer, Listener listener, byte[] material, PipeWriter output)
    {
        // A response to HEAD never has content, whatever its status (RFC 9110 §9.3.2): a client reads no body after
        // it, so body bytes would be taken for the start of the next response on the connection.
        var omitBody = head.Method == KnownMethod.Head;
        if (!Serves(listener, head.Target))
        {
            return Respond(output, HttpStatus.NotFound, ApiErrors.NotFound, connection, omitBody: omitBody);
        }

        switch (head.Target)
        {
            case RequestTarget.Generate when head.Method == KnownMethod.Post:
                return CreateAsync(body, connection, material, output);

            case RequestTarget.Secret when head.Method == KnownMethod.Post:
                return RevealAsync(head.KeySpan, body, connection, ClientOf(head, peer), material, output);

            case RequestTarget.Generate or RequestTarget.Secret:
                return Respond(output, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, connection, AllowHeader.Post, omitBody);

            case RequestTarget.Health or RequestTarget.Ready or RequestTarget.Metrics or RequestTarget.OpenApi
                when head.Method is not (KnownMethod.Get or KnownMethod.Head):
                return Respond(output, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, connection, AllowHeader.GetHead);

            case RequestTarget.Health:
                return Respond(output, HttpStatus.OK, ApiErrors.Healthy, connection, omitBody: omitBody);

            case RequestTarget.Ready:
                return ReadyAsync(connection, omitBody, output);

            case RequestTarget.Metrics:
                WriteMetrics(output, connection, omitBody);
                return new(HttpStatus.OK);

            case RequestTarget.OpenApi:
                ResponseWriter.Write(output, HttpStatus.OK, MediaType.Yaml, OpenApiDocument.Yaml, connection, omitBody: omitBody);
                return new(HttpStatus.OK);

            default:
                return Respond(output, HttpStatus.NotFound, ApiErrors.NotFound, connection, omitBody: omitBody);
        }
    }

    /// <summary>
    /// Which routes a listener answers (others are 404, as if they did not exist): with <c>--metrics-urls</c>, the
    /// operations listener serves <c>/metrics</c> and the probes only, and the public one everything but <c>/metrics</c>.
    /// </summary>
    private bool Serves(Listener listener, RequestTarget target) => listener == Listener.Operations
        ? target is RequestTarget.Metrics or RequestTarget.Health or RequestTarget.Ready
        : target != RequestTarget.Metrics || _options.MetricsUrls.Length == 0;

    /// <summary>Writes a JSON response and returns its status, for the routes that complete synchronously.</summary>
    private static ValueTask<HttpStatus> Respond(
        PipeWriter output, HttpStatus status, ReadOnlySpan<byte> json, ConnectionDirective connection, AllowHeader allow = AllowHeader.None, bool omitBody = false)
    {
        ResponseWriter.Write(output, status, json, connection, allow, omitBody);
        return new(status);
    }

    /// <summary><c>GET /metrics</c>: rendered per scrape into a buffer reused across scrapes (one at a time).</summary>
    private void WriteMetrics(PipeWriter output, ConnectionDirective connection, bool omitBody)
    {
        lock (_metricsBuffer)
        {
            _metricsBuffer.ResetWrittenCount();
            _metrics.WritePrometheus(_metricsBuffer);
            ResponseWriter.Write(output, HttpStatus.OK, MediaType.PrometheusText, _metricsBuffer.WrittenSpan, connection, omitBody: omitBody);
        }
    }

    private ValueTask<HttpStatus> CreateAsync(in ReadOnlySequence<byte> body, ConnectionDirective connection, byte[] material, PipeWriter output)
    {
        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max((int)body.Length, 1));
        byte[] record;
        long ttl;
        try
        {
            var error = CreateSecret.TryRead(body, scratch, _options.Ttl, out var request);
            if (error != CreateSecretError.None)
            {
                return Respond(output, HttpStatus.BadRequest, ErrorBody(error), connection);
            }

            // One KDF call: the phrase and k give both the AES key and the tag that names the record.
            SecretKey.Generate(KeyMaterial.RawKey(material));
            KeyDerivation.Derive(KeyMaterial.RawKey(material), request.Phrase(scratch), _options.Pepper, KeyMaterial.Derived(material));

            // Allocated, not pooled: the store takes it over (a create that timed out may still be sending it).
            record = new byte[SecretCipher.GetRecordLength(request.SecretLength)];
            SecretCipher.Seal(KeyMaterial.AesKey(material), KeyMaterial.Id(material).Span, request.Secret(scratch), record);
            ttl = request.TtlMilliseconds;
        }
        finally
        {
            // The scratch held the plaintext secret and phrase.
            CryptographicOperations.ZeroMemory(scratch.AsSpan(0, (int)Math.Min(body.Length, scratch.Length)));
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return StoreCreatedAsync(record, ttl, connection, material, output);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpStatus> StoreCreatedAsync(byte[] record, long ttlMilliseconds, ConnectionDirective connection, byte[] material, PipeWriter output)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var stored = await _store.CreateAsync(KeyMaterial.Id(material), KeyMaterial.Tag(material), record, TimeSpan.FromMilliseconds(ttlMilliseconds));
            _metrics.StoreCompleted(OtsMetrics.StoreOperation.Create, started);
            if (!stored)
            {
                // SET NX refused: a 128-bit id collision (or a replayed write). Never overwrite; let the client retry.
                Log.IdCollision(_logger);
                ResponseWriter.Write(output, HttpStatus.ServiceUnavailable, ApiErrors.ServiceUnavailable, connection);
                return HttpStatus.ServiceUnavailable;
            }

            WriteCreated(output, material, connection);
            _metrics.SecretCreated();
            return HttpStatus.Created;
        }
        catch (Exception exception) when (IsStoreFault(exception))
        {
            return StoreUnavailable(exception, OtsMetrics.StoreOperation.Create, started, connection, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private static void WriteCreated(PipeWriter output, byte[] material, ConnectionDirective connection)
    {
        Span<byte> key = stackalloc byte[SecretKey.EncodedLength];
        SecretKey.Encode(KeyMaterial.RawKey(material), key);
        Span<byte> json = stackalloc byte[CreateSecret.CreatedBodyLength(SecretKey.EncodedLength)];
        var length = CreateSecret.WriteCreatedBody(key, json);
        ResponseWriter.Write(output, HttpStatus.Created, json[..length], connection);
    }

    /// <summary>Who is asking, for the failed-reveal limit: the peer, or the trusted proxy's right-most X-Forwarded-For entry.</summary>
    private ClientKey ClientOf(in RequestHead head, ClientKey peer) =>
        _options.TrustForwardedFor && head.ForwardedForLength > 0 ? FailedRevealLimiter.KeyOf(head.ForwardedForSpan) : peer;

    private ValueTask<HttpStatus> RevealAsync(ReadOnlySpan<byte> key, in ReadOnlySequence<byte> body, ConnectionDirective connection, ClientKey client, byte[] material, PipeWriter output)
    {
        // Checked first: a blocked address learns nothing more, and costs no KDF and no store round trip.
        if (_limiter.IsBlocked(client, out var retryAfter))
        {
            ResponseWriter.Write(output, HttpStatus.TooManyRequests, ApiErrors.TooManyFailedAttempts, connection, retryAfterSeconds: retryAfter);
            return new(HttpStatus.TooManyRequests);
        }

        var scratch = ArrayPool<byte>.Shared.Rent(Math.Max((int)body.Length, 1));
        try
        {
            // The body is judged before the key, so a malformed request is a 400 whatever its path.
            if (!RevealSecret.TryRead(body, scratch, out var phraseLength))
            {
                return Respond(output, HttpStatus.BadRequest, ApiErrors.RevealParametersRequired, connection);
            }

            // A key of the wrong length or alphabet cannot exist: 404 without touching the store.
            if (!SecretKey.TryDecode(key, KeyMaterial.RawKey(material)))
            {
                _limiter.RecordFailure(client);
                _metrics.SecretNotFound();
                return Respond(output, HttpStatus.NotFound, ApiErrors.KeyNotFound, connection);
            }

            KeyDerivation.Derive(KeyMaterial.RawKey(material), scratch.AsSpan(0, phraseLength), _options.Pepper, KeyMaterial.Derived(material));
            if (_options.PreviousPepper is { } previousPepper)
            {
                // A pepper rotation: a secret created before it lives under the tag the previous pepper derives.
                KeyDerivation.Derive(KeyMaterial.RawKey(material), scratch.AsSpan(0, phraseLength), previousPepper, KeyMaterial.PreviousDerived(material));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(scratch.AsSpan(0, (int)Math.Min(body.Length, scratch.Length)));
            ArrayPool<byte>.Shared.Return(scratch);
        }

        return ClaimAsync(connection, client, material, output);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpStatus> ClaimAsync(ConnectionDirective connection, ClientKey client, byte[] material, PipeWriter output)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var previousTag = _options.PreviousPepper is null ? default : KeyMaterial.PreviousTag(material);
            using var result = await _store.RevealAsync(KeyMaterial.Id(material), KeyMaterial.Tag(material), previousTag);
            _metrics.StoreCompleted(OtsMetrics.StoreOperation.Reveal, started);
            switch (result.Outcome)
            {
                case RevealOutcome.Revealed:
                    var aesKey = result.UnderPreviousTag ? KeyMaterial.PreviousAesKey(material) : KeyMaterial.AesKey(material);
                    return WriteRevealed(result.Record.Span, aesKey, KeyMaterial.Id(material).Span, result.UnderPreviousTag, connection, output);
                case RevealOutcome.WrongPhrase:
                    _limiter.RecordFailure(client);
                    _metrics.SecretRefused(result.SecretDestroyed);
                    ResponseWriter.Write(output, HttpStatus.Forbidden, ApiErrors.IncorrectPhrase, connection);
                    return HttpStatus.Forbidden;
                default:
                    _limiter.RecordFailure(client);
                    _metrics.SecretNotFound();
                    ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.KeyNotFound, connection);
                    return HttpStatus.NotFound;
            }
        }
        catch (Exception exception) when (IsStoreFault(exception))
        {
            return StoreUnavailable(exception, OtsMetrics.StoreOperation.Reveal, started, connection, output);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    private HttpStatus WriteRevealed(
        ReadOnlySpan<byte> record, ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> id, bool underPreviousPepper, ConnectionDirective connection, PipeWriter output)
    {
        var plaintextLength = SecretCipher.GetPlaintextLength(record.Length);
        var plaintext = ArrayPool<byte>.Shared.Rent(Math.Max(plaintextLength, 1));
        byte[]? json = null;
        try
        {
            // The record was found under the tag only the right phrase derives, so it opens unless the store
            // was tampered with; then the secret is already claimed (deleted) and the honest answer is 404.
            if (plaintextLength < 0 ||
                !SecretCipher.TryOpen(aesKey, id, record, plaintext.AsSpan(0, plaintextLength)))
            {
                Log.RecordRejected(_logger);
                _metrics.SecretNotFound();
                ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.KeyNotFound, connection);
                return HttpStatus.NotFound;
            }

            json = ArrayPool<byte>.Shared.Rent(RevealSecret.MaxRevealedBodyLength(plaintextLength));
            var length = RevealSecret.WriteRevealedBody(plaintext.AsSpan(0, plaintextLength), json);
            ResponseWriter.Write(output, HttpStatus.OK, json.AsSpan(0, length), connection);
            CryptographicOperations.ZeroMemory(json.AsSpan(0, length));
            _metrics.SecretRevealed(underPreviousPepper);
            return HttpStatus.OK;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext.AsSpan(0, Math.Max(plaintextLength, 0)));
            ArrayPool<byte>.Shared.Return(plaintext);
            if (json is not null)
            {
                ArrayPool<byte>.Shared.Return(json);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<HttpStatus> ReadyAsync(ConnectionDirective connection, bool omitBody, PipeWriter output)
    {
        var started = Stopwatch.GetTimestamp();
        var ready = await _store.PingAsync();
        _metrics.StoreCompleted(OtsMetrics.StoreOperation.Ping, started);
        if (!ready)
        {
            _metrics.StoreFailed(OtsMetrics.StoreOperation.Ping);
        }

        var status = ready ? HttpStatus.OK : HttpStatus.ServiceUnavailable;
        ResponseWriter.Write(output, status, ready ? ApiErrors.Ready : ApiErrors.ServiceUnavailable, connection, omitBody: omitBody);
        return status;
    }

    private static ReadOnlySpan<byte> ErrorBody(CreateSecretError error) => error switch
    {
        CreateSecretError.TtlNotAnObject => ApiErrors.TtlNotAnObject,
        CreateSecretError.TtlMemberInvalid => ApiErrors.TtlMemberInvalid,
        CreateSecretError.TtlNotPositive => ApiErrors.TtlNotPositive,
        _ => ApiErrors.GenerateParametersRequired,
    };

    /// <summary>Answers a store fault: 503, counted and logged (the exception type only, never request data).</summary>
    private HttpStatus StoreUnavailable(Exception exception, OtsMetrics.StoreOperation operation, long started, ConnectionDirective connection, PipeWriter output)
    {
        _metrics.StoreCompleted(operation, started);
        _metrics.StoreFailed(operation);
        Log.StoreUnavailable(_logger, exception.GetType().Name);
        ResponseWriter.Write(output, HttpStatus.ServiceUnavailable, ApiErrors.ServiceUnavailable, connection);
        return HttpStatus.ServiceUnavailable;
    }

    /// <summary>Store faults become 503 at this boundary; anything else is a bug and closes the connection.</summary>
    private static bool IsStoreFault(Exception exception) =>
        exception is RedisException or TimeoutException or ObjectDisposedException;
}
