using System.Buffers;
using System.Diagnostics;
using Ots.Edge.Metrics;
using Ots.Protocol.Http;
using Xunit.Abstractions;

namespace Ots.Edge.Tests;

/// <summary>
/// What one request costs the metrics, with the exporter listening: nothing allocated and a few tens of nanoseconds
/// (printed, not asserted: a shared machine's timings are not a test verdict). End-to-end throughput with and
/// without a scraper is measured by <c>scripts/metrics-overhead.sh</c>.
/// </summary>
public sealed class MetricsRecordingTests(ITestOutputHelper output)
{
    private const int Requests = 20_000;

    [Fact]
    public void Recording_a_request_allocates_nothing()
    {
        using var metrics = new OtsMetrics();
        RecordRequests(metrics, 1_000); // Every series created, every path jitted.

        var before = GC.GetAllocatedBytesForCurrentThread();
        RecordRequests(metrics, Requests);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Recorded_values_reach_the_exposition()
    {
        using var metrics = new OtsMetrics();
        RecordRequests(metrics, 3);
        var buffer = new ArrayBufferWriter<byte>();

        metrics.WritePrometheus(buffer);

        var scrape = Infrastructure.PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
        Assert.Equal(3, scrape.Value("ots_http_requests_total", "route=\"/generate\",status=\"201\""));
        Assert.Equal(3, scrape.Value("ots_http_requests_total", "route=\"/secrets/{key}\",status=\"403\""));
        Assert.Equal(3, scrape.Value("ots_secrets_created_total"));
        Assert.Equal(3, scrape.Value("ots_secrets_refused_total"));
        Assert.Equal(3, scrape.Value("ots_secrets_destroyed_total"));
        Assert.Equal(3, scrape.Value("ots_http_rejected_total", "reason=\"invalid_chunk\""));
        Assert.Equal(3, scrape.Value("ots_http_rejected_total", "reason=\"request_timeout\""));
        Assert.Equal(3, scrape.Value("ots_store_errors_total", "operation=\"ping\""));
        Assert.Equal(0, scrape.Value("ots_http_connections_open"));
        Assert.Equal(6, scrape.Value("ots_store_duration_seconds_count", "operation=\"create\""));
    }

    [Fact]
    public void Two_edges_in_one_process_keep_their_own_counts()
    {
        using var first = new OtsMetrics();
        using var second = new OtsMetrics();
        first.SecretCreated();
        first.SecretCreated();
        second.SecretCreated();

        Assert.Equal(2, Scrape(first).Value("ots_secrets_created_total"));
        Assert.Equal(1, Scrape(second).Value("ots_secrets_created_total"));
    }

    [Fact]
    public void Cost_per_request_is_printed()
    {
        using var metrics = new OtsMetrics();
        RecordRequests(metrics, 10_000);
        var cpuBefore = ThreadCpuNanoseconds();
        var stopwatch = Stopwatch.StartNew();
        RecordRequests(metrics, 200_000);
        stopwatch.Stop();
        var cpu = ThreadCpuNanoseconds() - cpuBefore;

        // One "request" here is a generate and a wrong-phrase reveal with their store calls and connections: more
        // recording than any single real request does. On a loaded machine wall time includes waiting for a core;
        // the thread's own CPU time (Linux schedstat) does not.
        output.WriteLine($"{stopwatch.Elapsed.TotalNanoseconds / 200_000:F0} ns wall, {cpu / 200_000.0:F0} ns CPU per recorded request pair (generate + reveal)");
    }

    /// <summary>CPU time of this thread in ns (<c>/proc/thread-self/schedstat</c>), or 0 where there is none.</summary>
    private static long ThreadCpuNanoseconds()
    {
        const string SchedStat = "/proc/thread-self/schedstat";
        return File.Exists(SchedStat) ? long.Parse(File.ReadAllText(SchedStat).Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    private static Infrastructure.PrometheusText Scrape(OtsMetrics metrics)
    {
        var buffer = new ArrayBufferWriter<byte>();
        metrics.WritePrometheus(buffer);
        return Infrastructure.PrometheusText.Parse(System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void RecordRequests(OtsMetrics metrics, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            metrics.ConnectionOpened();
            metrics.StoreCompleted(OtsMetrics.StoreOperation.Create, started);
            metrics.SecretCreated();
            metrics.RequestCompleted(RequestTarget.Generate, HttpStatus.Created, started);
            metrics.StoreCompleted(OtsMetrics.StoreOperation.Create, started);
            metrics.SecretRefused(destroyed: true);
            metrics.RequestCompleted(RequestTarget.Secret, HttpStatus.Forbidden, started);
            metrics.Rejected(RejectReason.InvalidChunk);
            metrics.TimedOut();
            metrics.StoreFailed(OtsMetrics.StoreOperation.Ping);
            metrics.ConnectionClosed();
        }
    }
}
