using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// <c>GET /metrics</c>: valid Prometheus text (promtool), and counters that move with the requests made. The class has
/// its own edge, so no other test's traffic moves the counters it reads.
/// </summary>
public sealed class MetricsTests(EdgeFixture fixture) : IClassFixture<EdgeFixture>
{
    private const string Generate201 = "route=\"/generate\",status=\"201\"";

    private EdgeServer Server => fixture.Server;

    [PromtoolFact]
    public async Task Exposition_passes_promtool_check_metrics()
    {
        // Every kind of series present: routes, statuses, a rejection, store calls, histograms, runtime gauges.
        var key = await fixture.Client.GenerateAsync("s", "p");
        await fixture.Client.RevealAsync(key, "wrong");
        await fixture.Client.AssertRevealsAsync(key, "p", "s");
        await Exchange.SendAsync(Server, Http.Get("/readyz"));
        await Exchange.SendAsync(Server, Http.Get("/nowhere"));
        await Exchange.SendAsync(Server, "GET / HTTP/1.1\r\nHost: ots\r\n bad: fold\r\n\r\n");

        var scrape = await Exchange.ScrapeAsync(Server);
        var (exitCode, output) = await Promtool.CheckMetricsAsync(scrape.Text);

        Assert.True(exitCode == 0 && output.Trim().Length == 0, "promtool check metrics: exit " + exitCode + "\n" + output);
    }

    [Fact]
    public async Task Served_as_prometheus_text_and_head_has_no_body()
    {
        var get = await Exchange.SendAsync(Server, Http.Get("/metrics"));
        var head = await Exchange.SendAsync(Server, Http.Get("/metrics", "HEAD"), toHead: true);
        var post = await Exchange.SendAsync(Server, Http.Post("/metrics", ""));

        Assert.Equal(200, get.Status);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", get.Header("Content-Type"));
        Assert.Equal("no-store", get.Header("Cache-Control"));
        Assert.Equal(get.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), get.Header("Content-Length"));
        Assert.Equal(200, head.Status);
        Assert.Empty(head.Body);
        Http.AssertResponse(post, 405, """{"Error":"Method not allowed"}""");
        Assert.Equal("GET, HEAD", post.Header("Allow"));
    }

    [Fact]
    public async Task Generate_counts_a_created_secret_a_201_its_latency_and_a_store_call()
    {
        var before = await Exchange.ScrapeAsync(Server);

        await fixture.Client.GenerateAsync("counted", "p");

        var after = await Exchange.ScrapeAsync(Server);
        Assert.Equal(1, Delta(before, after, "ots_secrets_created_total"));
        Assert.Equal(1, Delta(before, after, "ots_http_requests_total", Generate201));
        Assert.Equal(1, Delta(before, after, "ots_http_request_duration_seconds_count", "route=\"/generate\""));
        Assert.Equal(1, Delta(before, after, "ots_http_request_duration_seconds_bucket", "route=\"/generate\",le=\"+Inf\""));
        Assert.True(Delta(before, after, "ots_http_request_duration_seconds_sum", "route=\"/generate\"") > 0);
        Assert.Equal(1, Delta(before, after, "ots_store_duration_seconds_count", "operation=\"create\""));
    }

    [Fact]
    public async Task Reveal_outcomes_are_counted_refused_revealed_not_found()
    {
        var key = await fixture.Client.GenerateAsync("s", "right");
        var before = await Exchange.ScrapeAsync(Server);

        (await fixture.Client.RevealAsync(key, "wrong")).AssertIs(403, Http.IncorrectPhrase);
        var afterWrong = await Exchange.ScrapeAsync(Server);
        await fixture.Client.AssertRevealsAsync(key, "right", "s");
        (await fixture.Client.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);
        (await fixture.Client.RevealAsync("not-a-key", "right")).AssertIs(404, Http.KeyNotFound);
        var after = await Exchange.ScrapeAsync(Server);

        Assert.Equal(1, Delta(before, afterWrong, "ots_secrets_refused_total"));
        Assert.Equal(0, Delta(before, afterWrong, "ots_secrets_destroyed_total"));
        Assert.Equal(1, Delta(before, after, "ots_secrets_refused_total"));
        Assert.Equal(1, Delta(before, after, "ots_secrets_revealed_total"));
        Assert.Equal(2, Delta(before, after, "ots_secrets_not_found_total"));
        Assert.Equal(1, Delta(before, after, "ots_http_requests_total", "route=\"/secrets/{key}\",status=\"200\""));
        Assert.Equal(1, Delta(before, after, "ots_http_requests_total", "route=\"/secrets/{key}\",status=\"403\""));
        Assert.Equal(2, Delta(before, after, "ots_http_requests_total", "route=\"/secrets/{key}\",status=\"404\""));

        // The malformed key never reached the store: three reveals went there.
        Assert.Equal(3, Delta(before, after, "ots_store_duration_seconds_count", "operation=\"reveal\""));
    }

    [Fact]
    public async Task The_last_wrong_phrase_counts_a_destroyed_secret()
    {
        var key = await fixture.Client.GenerateAsync("s", "right");
        var before = await Exchange.ScrapeAsync(Server);

        for (var attempt = 1; attempt <= 5; attempt++)
        {
            (await fixture.Client.RevealAsync(key, "wrong " + attempt)).AssertIs(403, Http.IncorrectPhrase);
        }

        (await fixture.Client.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);
        var after = await Exchange.ScrapeAsync(Server);

        Assert.Equal(5, Delta(before, after, "ots_secrets_refused_total"));
        Assert.Equal(1, Delta(before, after, "ots_secrets_destroyed_total"));
        Assert.Equal(1, Delta(before, after, "ots_secrets_not_found_total"));
    }

    [Fact]
    public async Task Rejections_count_by_reason_and_other_paths_as_other()
    {
        var before = await Exchange.ScrapeAsync(Server);

        var folded = await Exchange.SendAsync(Server, "GET / HTTP/1.1\r\nHost: ots\r\n bad: fold\r\n\r\n");
        var tooLarge = await Exchange.SendAsync(Server, "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 99999999\r\n\r\n");
        var unknown = await Exchange.SendAsync(Server, Http.Get("/secrets-of-someone/AAAA"));

        var after = await Exchange.ScrapeAsync(Server);
        Assert.Equal(400, folded.Status);
        Assert.Equal(413, tooLarge.Status);
        Assert.Equal(404, unknown.Status);
        Assert.Equal(1, Delta(before, after, "ots_http_rejected_total", "reason=\"obsolete_line_folding\""));
        Assert.Equal(1, Delta(before, after, "ots_http_rejected_total", "reason=\"body_too_large\""));
        Assert.Equal(1, Delta(before, after, "ots_http_requests_total", "route=\"other\",status=\"404\""));
        Assert.DoesNotContain("secrets-of-someone", after.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_connections_gauge_follows_connections()
    {
        await using var held = await RawHttpConnection.OpenAsync(Server);
        await held.SendAsync(Http.Get("/healthz"));
        Assert.Equal(200, (await held.ReadResponseAsync()).Status);

        var scrape = await Exchange.ScrapeAsync(Server);

        // This scrape's connection and the one held open, at least (HttpClient may keep its own).
        Assert.True(scrape.Value("ots_http_connections_open") >= 2, scrape.Text);
    }

    [Fact]
    public async Task Runtime_metrics_are_exposed()
    {
        var scrape = await Exchange.ScrapeAsync(Server);

        Assert.True(scrape.Has("dotnet_gc_collections_total"), "no GC collections:\n" + scrape.Text);
        Assert.True(scrape.Has("dotnet_gc_heap_total_allocated_bytes_total"), "no allocated bytes:\n" + scrape.Text);
        // The runtime declares the thread count as an observable counter in some versions, an up-down counter in others.
        Assert.True(scrape.Has("dotnet_thread_pool_thread_count_total") || scrape.Has("dotnet_thread_pool_thread_count"), "no thread pool:\n" + scrape.Text);
        Assert.True(scrape.Value("dotnet_process_memory_working_set_bytes") > 0, "no working set:\n" + scrape.Text);
    }

    private static double Delta(PrometheusText before, PrometheusText after, string name, string labels = "") =>
        after.Value(name, labels) - before.Value(name, labels);
}
