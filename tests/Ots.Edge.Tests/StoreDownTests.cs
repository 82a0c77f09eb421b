using System.Diagnostics;
using System.Globalization;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>An edge whose store is a port nothing listens on, with a short store timeout.</summary>
public sealed class StoreDownEdgeFixture : EdgeFixture
{
    protected override IReadOnlyList<string> Arguments =>
        ["--store", "127.0.0.1:" + LoopbackPort.Reserve().ToString(CultureInfo.InvariantCulture), "--store-timeout-seconds", "0.5"];
}

/// <summary>DESIGN §1: store unreachable → 503 <c>{"Error":"Service unavailable"}</c>, quickly, never a hang.</summary>
public sealed class StoreDownTests(StoreDownEdgeFixture fixture) : IClassFixture<StoreDownEdgeFixture>
{
    private const string ServiceUnavailable = """{"Error":"Service unavailable"}""";

    // Hang checks, not performance assertions: the store timeout is 0.5 s, StackExchange.Redis checks it on a 1 s
    // heartbeat, and a refused connection fails at once.
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Generate_is_503_quickly()
    {
        var stopwatch = Stopwatch.StartNew();

        var response = await fixture.Client.PostAsync("generate", Http.GenerateBody("s", "p"));

        response.AssertIs(503, ServiceUnavailable);
        Assert.True(stopwatch.Elapsed < s_bound, "took " + stopwatch.Elapsed);
    }

    [Fact]
    public async Task Reveal_is_503_quickly()
    {
        var stopwatch = Stopwatch.StartNew();

        var response = await fixture.Client.RevealAsync("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "p");

        response.AssertIs(503, ServiceUnavailable);
        Assert.True(stopwatch.Elapsed < s_bound, "took " + stopwatch.Elapsed);
    }

    [Fact]
    public async Task Requests_that_need_no_store_are_answered_as_usual()
    {
        // Malformed keys and bad bodies are judged without the store.
        (await fixture.Client.RevealAsync("short", "p")).AssertIs(404, Http.KeyNotFound);
        (await fixture.Client.PostAsync("generate", "{}")).AssertIs(400, Http.GenerateParametersRequired);
        (await fixture.Client.PostAsync("secrets/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "[]")).AssertIs(400, Http.RevealParametersRequired);
    }

    [Fact]
    public async Task Healthz_is_200_and_readyz_is_503()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync(Http.Get("/healthz") + Http.Get("/readyz") + Http.Get("/readyz", "HEAD") + Http.Get("/healthz"));

        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        Http.AssertResponse(await connection.ReadResponseAsync(), 503, ServiceUnavailable);
        Assert.Equal(503, (await connection.ReadResponseAsync(toHead: true)).Status);
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Fact]
    public async Task A_503_keeps_the_connection_open()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync(Http.Post("/generate", Http.GenerateBody("s", "p")));
        Http.AssertResponse(await connection.ReadResponseAsync(timeout: s_bound), 503, ServiceUnavailable);
        await connection.SendAsync(Http.Get("/healthz"));

        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }
}
