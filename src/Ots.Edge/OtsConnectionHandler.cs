using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Ots.Edge.Abuse;
using Ots.Edge.Hosting;
using Ots.Edge.Metrics;
using Ots.Edge.Store;
using Ots.Protocol.Http;

namespace Ots.Edge;

/// <summary>
/// The HTTP/1.1 front: one instance serves every connection; <see cref="OnConnectedAsync"/> is the read loop of
/// one connection. Requests are parsed off the pipe as they arrive, answered in order (pipelining), and the
/// responses of one read are flushed together. Routes live in <c>OtsConnectionHandler.Routes.cs</c>.
/// </summary>
internal sealed partial class OtsConnectionHandler : ConnectionHandler
{
    // After a framing error the response goes out, then input is drained for a moment so the peer reads the
    // response instead of a reset (closing a socket with unread input sends RST).
    private static readonly TimeSpan s_lingerTime = TimeSpan.FromSeconds(1);

    // A pause this long means the peer has nothing more in flight.
    private static readonly TimeSpan s_lingerQuiet = TimeSpan.FromMilliseconds(150);

    // ...but not for ever: a client streaming an oversized body is cut off after this much more.
    private const long MaxLingerBytes = 1024 * 1024;

    private readonly SecretStore _store;
    private readonly OtsOptions _options;
    private readonly ILogger _logger;
    private readonly OtsMetrics _metrics;
    private readonly FailedRevealLimiter _limiter;
    private readonly ArrayBufferWriter<byte> _metricsBuffer = new(16 * 1024);

    // Null unless --access-log: the one branch the success path pays when it is off.
    private readonly ILogger? _accessLog;

    /// <summary>Creates the handler.</summary>
    public OtsConnectionHandler(SecretStore store, OtsOptions options, OtsMetrics metrics, FailedRevealLimiter limiter, ILoggerFactory loggers)
    {
        _store = store;
        _limiter = limiter;
        _options = options;
        _metrics = metrics;
        _logger = loggers.CreateLogger<OtsConnectionHandler>();
        _accessLog = options.AccessLog ? loggers.CreateLogger(Log.AccessLogCategory) : null;
    }

    /// <summary>Which listener a connection came in on.</summary>
    private enum Listener : byte
    {
        /// <summary>An endpoint of <c>--urls</c>: the API (and <c>/metrics</c> unless <c>--metrics-urls</c> is set).</summary>
        Public,

        /// <summary>An endpoint of <c>--metrics-urls</c>: <c>/metrics</c>, <c>/healthz</c> and <c>/readyz</c> only.</summary>
        Operations,
    }

    /// <summary>Where a connection is in its current request; each stage has its own timeout.</summary>
    private enum Stage : byte
    {
        /// <summary>Between requests: the keep-alive timeout runs.</summary>
        Idle,

        /// <summary>Some bytes of a head have arrived: the header timeout runs from the first one.</summary>
        Head,

        /// <summary>The head is parsed, the body is arriving: the body timeout runs.</summary>
        Body,
    }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;

        // At shutdown Kestrel asks connections to close: wake the read loop so an idle one ends at once and a busy
        // one finishes its request first.
        var lifetime = connection.Features.Get<IConnectionLifetimeNotificationFeature>();
        using var shutdown = lifetime?.ConnectionClosedRequested.Register(static state => ((PipeReader)state!).CancelPendingRead(), input);
        _metrics.ConnectionOpened();
        try
        {
            // The peer's address is hashed once per connection; behind a trusted proxy each request may name another.
            var peer = FailedRevealLimiter.KeyOf(connection.RemoteEndPoint is IPEndPoint endPoint ? endPoint.Address : IPAddress.None);
            var listener = connection.Features.Get<OperationsListenerFeature>() is null ? Listener.Public : Listener.Operations;
            await ServeAsync(input, output, peer, listener, lifetime?.ConnectionClosedRequested ?? default);
        }
        catch (Exception exception) when (exception is ConnectionResetException or IOException or ConnectionAbortedException)
        {
            // The peer went away; nothing to answer.
        }
        catch (Exception exception)
        {
            // A broken invariant: log it (never request data) and close only this connection.
            Log.ConnectionFailed(_logger, connection.ConnectionId, exception);
        }
        finally
        {
            _metrics.ConnectionClosed();
        }
    }

    private async Task ServeAsync(PipeReader input, PipeWriter output, ClientKey peer, Listener listener, CancellationToken closeRequested)
    {
        var timer = new CancellationTokenSource();
        var material = new byte[KeyMaterial.Length];
        var stage = Stage.Idle;
        var deadline = Environment.TickCount64 + (long)_options.KeepAliveTimeout.TotalMilliseconds;
        RequestHead head = default;
        ChunkedDecoder chunked = default;
        byte[]? chunkedBody = null;
        var continueSent = false;

        try
        {
            while (true)
            {
                var remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    await TimeOutAsync(stage, output);
                    return;
                }

                timer.CancelAfter(TimeSpan.FromMilliseconds(remaining));
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(timer.Token);
                }
                catch (OperationCanceledException) when (timer.IsCancellationRequested)
                {
                    await TimeOutAsync(stage, output);
                    return;
                }

                if (!timer.TryReset())
                {
                    // The deadline fired just after this read completed with data: the read won. A fired source
                    // cannot be re-armed (CancelAfter is a no-op on it), and its token would cancel the flush
                    // below, closing the connection without the responses or the 408 due; the deadline itself
                    // is checked again at the top of the loop.
                    timer.Dispose();
                    timer = new CancellationTokenSource();
                }

                var buffer = result.Buffer;
                var closing = closeRequested.IsCancellationRequested;
                if (closing && stage == Stage.Idle && buffer.IsEmpty)
                {
                    return;
                }

                while (true)
                {
                    if (stage != Stage.Body)
                    {
                        if (buffer.IsEmpty)
                        {
                            break;
                        }

                        if (stage == Stage.Idle)
                        {
                            stage = Stage.Head;
                            deadline = Environment.TickCount64 + (long)_options.HeaderTimeout.TotalMilliseconds;
                        }

                        var status = Http1Parser.TryParseHead(buffer, _options.MaxBodyBytes, out head, out var headLength, out var reason, _options.TrustForwardedFor);
                        if (status == ParseStatus.Incomplete)
                        {
                            break;
                        }

                        if (status == ParseStatus.Invalid)
                        {
                            OnRejected(reason);
                            input.AdvanceTo(buffer.End);
                            await RejectAsync(reason, input, output);
                            return;
                        }

                        buffer = buffer.Slice(headLength);
                        stage = Stage.Body;
                        deadline = Environment.TickCount64 + (long)_options.BodyTimeout.TotalMilliseconds;
                        chunked.Reset();
                        continueSent = false;
                    }

                    ReadOnlySequence<byte> body;
                    if (head.Framing == BodyFraming.ContentLength)
                    {
                        if (buffer.Length < head.ContentLength)
                        {
                            continueSent = SendContinueOnce(head, continueSent, output);
                            break;
                        }

                        body = buffer.Slice(0, head.ContentLength);
                        buffer = buffer.Slice(head.ContentLength);
                    }
                    else if (head.Framing == BodyFraming.Chunked)
                    {
                        chunkedBody ??= ArrayPool<byte>.Shared.Rent(_options.MaxBodyBytes);
                        var reader = new SequenceReader<byte>(buffer);
                        var status = chunked.Decode(ref reader, chunkedBody.AsSpan(0, _options.MaxBodyBytes), out var reason);
                        buffer = buffer.Slice(reader.Position);
                        if (status == ParseStatus.Invalid)
                        {
                            OnRejected(reason);
                            input.AdvanceTo(buffer.End);
                            await RejectAsync(reason, input, output);
                            return;
                        }

                        if (status == ParseStatus.Incomplete)
                        {
                            continueSent = SendContinueOnce(head, continueSent, output);
                            break;
                        }

                        body = new ReadOnlySequence<byte>(chunkedBody, 0, chunked.Length);
                    }
                    else
                    {
                        body = ReadOnlySequence<byte>.Empty;
                    }

                    var connection = !head.KeepAlive || closing ? ConnectionDirective.Close
                        : head.IsHttp11 ? ConnectionDirective.Default : ConnectionDirective.KeepAlive;

                    // The body may be a slice of the input buffer: it stays valid across this await because the
                    // reader is not advanced until every complete request of this read has been answered.
                    var started = Stopwatch.GetTimestamp();
                    var answered = await DispatchAsync(head, body, connection, peer, listener, material, output);
                    _metrics.RequestCompleted(head.Target, answered, started);
                    if (_accessLog is not null)
                    {
                        // Only what the parser classified: a method, a route template, never a path or a key.
                        Log.Access(_accessLog, RouteTemplates.Of(head.Method), RouteTemplates.Of(head.Target), (int)answered, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }

                    if (chunkedBody is not null)
                    {
                        ReturnBody(ref chunkedBody, chunked.Length);
                    }

                    stage = Stage.Idle;
                    deadline = Environment.TickCount64 + (long)_options.KeepAliveTimeout.TotalMilliseconds;
                    if (connection == ConnectionDirective.Close)
                    {
                        input.AdvanceTo(buffer.Start);
                        await FlushAsync(output, timer);
                        return;
                    }
                }

                input.AdvanceTo(buffer.Start, buffer.End);
                if (!await FlushAsync(output, timer))
                {
                    return;
                }

                // The peer has finished sending: what is left can never complete. Answered requests are flushed.
                if (result.IsCompleted || (closing && stage == Stage.Idle))
                {
                    return;
                }
            }
        }
        finally
        {
            timer.Dispose();
            if (chunkedBody is not null)
            {
                ReturnBody(ref chunkedBody, chunked.Length);
            }
        }
    }

    /// <summary>
    /// Flushes, bounded by the header timeout: a client that stops reading its responses (so the socket's send
    /// buffer stays full) is disconnected instead of holding the connection and its buffers forever.
    /// </summary>
    private async ValueTask<bool> FlushAsync(PipeWriter output, CancellationTokenSource timer)
    {
        timer.CancelAfter(_options.HeaderTimeout);
        try
        {
            var result = await output.FlushAsync(timer.Token);
            return !result.IsCompleted;
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Answers <c>100 Continue</c> once per request, when the client waits for it (RFC 9110 §10.1.1).</summary>
    private static bool SendContinueOnce(in RequestHead head, bool continueSent, PipeWriter output)
    {
        if (head.ExpectContinue && !continueSent)
        {
            ResponseWriter.WriteContinue(output);
            return true;
        }

        return continueSent;
    }

    private static void ReturnBody(ref byte[]? body, int length)
    {
        // A chunked body holds a secret or a phrase: wipe what was written before the array goes back to the pool.
        body.AsSpan(0, length).Clear();
        ArrayPool<byte>.Shared.Return(body!);
        body = null;
    }

    /// <summary>A request rejected while framing it: counted, and access-logged by reason only.</summary>
    private void OnRejected(RejectReason reason)
    {
        _metrics.Rejected(reason);
        if (_accessLog is not null)
        {
            Log.AccessRejected(_accessLog, (int)Rejections.StatusOf(reason), OtsMetrics.ReasonLabel(reason));
        }
    }

    private async ValueTask TimeOutAsync(Stage stage, PipeWriter output)
    {
        // An idle keep-alive connection just closes; one caught mid-request is told why (RFC 9110 §15.5.9).
        if (stage != Stage.Idle)
        {
            _metrics.TimedOut();
            if (_accessLog is not null)
            {
                Log.AccessRejected(_accessLog, (int)HttpStatus.RequestTimeout, OtsMetrics.RequestTimeoutLabel);
            }

            ResponseWriter.Write(output, HttpStatus.RequestTimeout, Protocol.Routes.ApiErrors.RequestTimeout, ConnectionDirective.Close);

            // Best effort and bounded: the peer that timed out may not be reading either.
            using var bound = new CancellationTokenSource(s_lingerTime);
            await ((Task)output.FlushAsync(bound.Token).AsTask()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async ValueTask RejectAsync(RejectReason reason, PipeReader input, PipeWriter output)
    {
        ResponseWriter.Write(output, Rejections.StatusOf(reason), Rejections.BodyOf(reason), ConnectionDirective.Close);
        using (var bound = new CancellationTokenSource(s_lingerTime))
        {
            await ((Task)output.FlushAsync(bound.Token).AsTask()).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        // Keep reading (and discarding) for a moment before closing: closing a socket with unread input sends a
        // reset, which can destroy the response still in flight (RFC 9112 §9.6). The response is flushed to the
        // transport, which sends it while we drain; a client that read it closes, and we return at once.
        // (Shutting the socket's send side here would race the transport's own send of the response.)
        // Closing is safe once the receive buffer is empty: stop when the peer closes, when it has been quiet for a
        // moment (all it sent has been read), or at the overall bound.
        var deadline = Environment.TickCount64 + (long)s_lingerTime.TotalMilliseconds;
        long drained = 0;
        try
        {
            while (drained <= MaxLingerBytes)
            {
                var remaining = Math.Min(deadline - Environment.TickCount64, (long)s_lingerQuiet.TotalMilliseconds);
                if (remaining <= 0)
                {
                    return;
                }

                using var quiet = new CancellationTokenSource(TimeSpan.FromMilliseconds(remaining));
                var result = await input.ReadAsync(quiet.Token);
                drained += result.Buffer.Length;
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
