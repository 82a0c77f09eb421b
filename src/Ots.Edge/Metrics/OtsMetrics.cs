using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Ots.Edge.Store;
using Ots.Protocol.Http;

namespace Ots.Edge.Metrics;

/// <summary>
/// The edge's instruments, on one <see cref="Meter"/> named <see cref="MeterName"/>, and the Prometheus exposition
/// of them plus the runtime's own <c>System.Runtime</c> meter (<c>GET /metrics</c>).
/// </summary>
/// <remarks>
/// Recording is allocation-free and lock-free: every tag set is built once here, as a static array, and passed as a
/// span, so a request costs a few <c>Add</c>/<c>Record</c> calls that end in <see cref="Interlocked"/> operations
/// (see <see cref="MetricsCollector"/>). Instruments are plain System.Diagnostics.Metrics ones, so
/// <c>dotnet-counters</c> or an OpenTelemetry SDK can listen to the same meter.
/// </remarks>
internal sealed class OtsMetrics : IDisposable
{
    /// <summary>The name of the edge's meter.</summary>
    public const string MeterName = "Ots.Edge";

    /// <summary>The <c>reason</c> label of a request that did not arrive in time (408).</summary>
    public const string RequestTimeoutLabel = "request_timeout";

    // Request latency: from "head and body are in" to "response written"; a request is mostly one store round trip.
    private static readonly double[] s_requestBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    // Store round trips: ~0.1 ms on loopback, up to the store timeout (2 s by default) when it hangs.
    private static readonly double[] s_storeBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

    private static readonly RequestTarget[] s_targets = Enum.GetValues<RequestTarget>();
    private static readonly HttpStatus[] s_statuses = Enum.GetValues<HttpStatus>();
    private static readonly RejectReason[] s_reasons = Enum.GetValues<RejectReason>();

    // Tag sets, built once: [target][status index] and [target] for the request instruments.
    private static readonly KeyValuePair<string, object?>[][][] s_requestTags = BuildRequestTags();
    private static readonly KeyValuePair<string, object?>[][] s_routeTags =
        s_targets.Select(target => new[] { Tag("route", RouteTemplates.Of(target)) }).ToArray();

    private static readonly KeyValuePair<string, object?>[][] s_rejectTags =
        s_reasons.Select(reason => new[] { Tag("reason", ReasonLabel(reason)) }).ToArray();

    private static readonly KeyValuePair<string, object?>[] s_timeoutTags = [Tag("reason", RequestTimeoutLabel)];
    private static readonly KeyValuePair<string, object?>[][] s_storeTags =
        Enum.GetValues<StoreOperation>().Select(operation => new[] { Tag("operation", OperationLabel(operation)) }).ToArray();

    private static readonly KeyValuePair<string, object?>[][] s_lateClaimTags =
        Enum.GetValues<LateClaim>().Select(outcome => new[] { Tag("outcome", LateClaimLabel(outcome)) }).ToArray();

    private readonly Meter _meter;
    private readonly MetricsCollector _collector;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Counter<long> _rejected;
    private readonly UpDownCounter<long> _openConnections;
    private readonly Histogram<double> _storeDuration;
    private readonly Counter<long> _storeErrors;
    private readonly Counter<long> _lateClaims;
    private readonly Counter<long> _created;
    private readonly Counter<long> _revealed;
    private readonly Counter<long> _revealedUnderPreviousPepper;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _destroyed;
    private readonly Counter<long> _notFound;

    /// <summary>Creates the meter, starts listening to it (and to <c>System.Runtime</c>), then creates the instruments.</summary>
    public OtsMetrics()
    {
        _meter = new Meter(MeterName, Hosting.EdgeHost.Version);

        // The collector must listen before the instruments exist so it sees this meter's and no other's: tests run
        // several edges in one process, each with its own meter of the same name.
        _collector = new MetricsCollector(_meter);

        _requests = _meter.CreateCounter<long>("ots.http.requests", "{request}", "Requests answered, by route and status.");
        _requestDuration = _meter.CreateHistogram<double>(
            "ots.http.request.duration", "s", "Time from a complete request to its response, by route.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_requestBuckets });
        _rejected = _meter.CreateCounter<long>(
            "ots.http.rejected", "{request}", "Requests rejected before routing (malformed HTTP, limits, timeouts), by reason; the connection is closed.");
        _openConnections = _meter.CreateUpDownCounter<long>("ots.http.connections.open", "{connection}", "Open client connections.");
        _storeDuration = _meter.CreateHistogram<double>(
            "ots.store.duration", "s", "Store round trips, by operation (create, reveal, ping).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_storeBuckets });
        _storeErrors = _meter.CreateCounter<long>("ots.store.errors", "{error}", "Store calls that failed or timed out (answered 503), by operation.");
        _lateClaims = _meter.CreateCounter<long>(
            "ots.store.late_claims", "{claim}",
            "Claims that completed after their reveal had answered 503, by outcome: put_back (the secret can be revealed again), took_nothing, expired, unknown (the secret may be lost).");
        _created = _meter.CreateCounter<long>("ots.secrets.created", "{secret}", "Secrets stored (201).");
        _revealed = _meter.CreateCounter<long>("ots.secrets.revealed", "{secret}", "Secrets revealed, and so deleted (200).");
        _revealedUnderPreviousPepper = _meter.CreateCounter<long>(
            "ots.secrets.revealed_previous_pepper", "{secret}",
            "Of the secrets revealed, those created under --previous-pepper (a pepper rotation): how many still come back under it.");
        _refused = _meter.CreateCounter<long>("ots.secrets.refused", "{secret}", "Reveals refused for a wrong phrase (403), including the one that destroys the secret.");
        _destroyed = _meter.CreateCounter<long>("ots.secrets.destroyed", "{secret}", "Secrets destroyed by their last allowed wrong phrase.");
        _notFound = _meter.CreateCounter<long>("ots.secrets.not_found", "{secret}", "Reveals of an unknown, malformed, expired, revealed or destroyed key (404).");

        // Series without tags show from the start, at 0, rather than after their first event.
        _created.Add(0);
        _revealed.Add(0);
        _revealedUnderPreviousPepper.Add(0);
        _refused.Add(0);
        _destroyed.Add(0);
        _notFound.Add(0);
        _openConnections.Add(0);
    }

    /// <summary>What a store call was, for the store instruments' <c>operation</c> tag.</summary>
    public enum StoreOperation
    {
        /// <summary><c>POST /generate</c>'s two SETs.</summary>
        Create,

        /// <summary><c>POST /secrets/{key}</c>'s claim (and DECR on a wrong phrase).</summary>
        Reveal,

        /// <summary><c>GET /readyz</c>'s PING.</summary>
        Ping,
    }

    /// <summary>A response to a routed request went out.</summary>
    public void RequestCompleted(RequestTarget target, HttpStatus status, long startTimestamp)
    {
        var seconds = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        _requests.Add(1, s_requestTags[(int)target][StatusIndex(status)]);
        _requestDuration.Record(seconds, s_routeTags[(int)target]);
    }

    /// <summary>A request was rejected while framing it.</summary>
    public void Rejected(RejectReason reason) => _rejected.Add(1, s_rejectTags[(int)reason]);

    /// <summary>A request did not arrive within its header or body timeout (408).</summary>
    public void TimedOut() => _rejected.Add(1, s_timeoutTags);

    /// <summary>A connection opened.</summary>
    public void ConnectionOpened() => _openConnections.Add(1);

    /// <summary>A connection closed.</summary>
    public void ConnectionClosed() => _openConnections.Add(-1);

    /// <summary>A store call returned (successfully or not) after starting at <paramref name="startTimestamp"/>.</summary>
    public void StoreCompleted(StoreOperation operation, long startTimestamp) =>
        _storeDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, s_storeTags[(int)operation]);

    /// <summary>A store call failed: the request is answered 503.</summary>
    public void StoreFailed(StoreOperation operation) => _storeErrors.Add(1, s_storeTags[(int)operation]);

    /// <summary>A claim settled after its reveal had answered 503 (<see cref="SecretStore.LateClaimSettled"/>).</summary>
    public void LateClaimSettled(LateClaim outcome) => _lateClaims.Add(1, s_lateClaimTags[(int)outcome]);

    /// <summary>A secret was stored.</summary>
    public void SecretCreated() => _created.Add(1);

    /// <summary>A secret was revealed; <paramref name="underPreviousPepper"/> when it was created under <c>--previous-pepper</c>.</summary>
    public void SecretRevealed(bool underPreviousPepper)
    {
        _revealed.Add(1);
        if (underPreviousPepper)
        {
            _revealedUnderPreviousPepper.Add(1);
        }
    }

    /// <summary>A wrong phrase was refused; <paramref name="destroyed"/> when it was the last attempt.</summary>
    public void SecretRefused(bool destroyed)
    {
        _refused.Add(1);
        if (destroyed)
        {
            _destroyed.Add(1);
        }
    }

    /// <summary>A reveal found no secret.</summary>
    public void SecretNotFound() => _notFound.Add(1);

    /// <summary>Writes every metric in the Prometheus text format (version 0.0.4).</summary>
    public void WritePrometheus(ArrayBufferWriter<byte> output) => _collector.WritePrometheus(output);

    /// <inheritdoc />
    public void Dispose()
    {
        _collector.Dispose();
        _meter.Dispose();
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private static int StatusIndex(HttpStatus status)
    {
        // A tiny fixed set (15): a linear scan is a few compares and keeps the table in one place.
        var statuses = s_statuses;
        for (var i = 0; i < statuses.Length; i++)
        {
            if (statuses[i] == status)
            {
                return i;
            }
        }

        return Array.IndexOf(statuses, HttpStatus.InternalServerError);
    }

    private static KeyValuePair<string, object?>[][][] BuildRequestTags()
    {
        var tags = new KeyValuePair<string, object?>[s_targets.Length][][];
        foreach (var target in s_targets)
        {
            tags[(int)target] = s_statuses
                .Select(status => new[] { Tag("route", RouteTemplates.Of(target)), Tag("status", ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture)) })
                .ToArray();
        }

        return tags;
    }

    private static string LateClaimLabel(LateClaim outcome) => outcome switch
    {
        LateClaim.PutBack => "put_back",
        LateClaim.TookNothing => "took_nothing",
        LateClaim.Expired => "expired",
        _ => "unknown",
    };

    private static string OperationLabel(StoreOperation operation) => operation switch
    {
        StoreOperation.Create => "create",
        StoreOperation.Reveal => "reveal",
        _ => "ping",
    };

    /// <summary>The <c>reason</c> label of a rejection, snake_case.</summary>
    public static string ReasonLabel(RejectReason reason) => reason switch
    {
        RejectReason.InvalidRequestLine => "invalid_request_line",
        RejectReason.RequestLineTooLong => "request_line_too_long",
        RejectReason.UnsupportedHttpVersion => "unsupported_http_version",
        RejectReason.BareLineFeed => "bare_line_feed",
        RejectReason.InvalidHeaderName => "invalid_header_name",
        RejectReason.InvalidHeaderValue => "invalid_header_value",
        RejectReason.ObsoleteLineFolding => "obsolete_line_folding",
        RejectReason.HeadersTooLarge => "headers_too_large",
        RejectReason.TooManyHeaders => "too_many_headers",
        RejectReason.InvalidHost => "invalid_host",
        RejectReason.InvalidContentLength => "invalid_content_length",
        RejectReason.MultipleContentLength => "multiple_content_length",
        RejectReason.ContentLengthWithTransferEncoding => "content_length_with_transfer_encoding",
        RejectReason.TransferEncodingOnHttp10 => "transfer_encoding_on_http10",
        RejectReason.UnsupportedTransferEncoding => "unsupported_transfer_encoding",
        RejectReason.InvalidChunk => "invalid_chunk",
        RejectReason.BodyTooLarge => "body_too_large",
        RejectReason.UnsupportedExpectation => "unsupported_expectation",
        _ => "other",
    };
}
