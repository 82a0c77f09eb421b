using System.Diagnostics;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// An edge with half-second header and body timeouts, and a keep-alive timeout long enough that the first byte of a
/// test client starved for a while (CI load) still starts a request rather than arriving at a connection the server
/// already closed as idle (which flaked the dribbled-head test against the AOT binary).
/// </summary>
public sealed class ShortTimeoutsEdgeFixture : EdgeFixture
{
    protected override IReadOnlyList<string> Arguments =>
        ["--header-timeout-seconds", "0.5", "--body-timeout-seconds", "0.5", "--keep-alive-timeout-seconds", "10"];
}

/// <summary>An edge with a half-second keep-alive timeout.</summary>
public sealed class ShortKeepAliveEdgeFixture : EdgeFixture
{
    protected override IReadOnlyList<string> Arguments => ["--keep-alive-timeout-seconds", "0.5"];
}

/// <summary>DESIGN §5: slow clients are timed out (408 mid-request).</summary>
public sealed class TimeoutTests(ShortTimeoutsEdgeFixture fixture) : IClassFixture<ShortTimeoutsEdgeFixture>
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_head_dribbled_then_stopped_gets_408_and_a_close()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        var stopwatch = Stopwatch.StartNew();
        foreach (var piece in new[] { "POST /gen", "erate HTT", "P/1.1\r\nHo" })
        {
            try
            {
                await connection.SendAsync(piece);
            }
            catch (System.Net.Sockets.SocketException)
            {
                // This client's 100 ms pauses can stretch past the 0.5 s header timeout when the test host is starved
                // (seen under CI load): then the server has already answered 408 and closed, which is what is tested.
                break;
            }

            await Task.Delay(100);
        }

        var response = await connection.ReadResponseAsync(timeout: s_bound);
        var end = await connection.WaitForEndAsync(s_bound);

        Assert.True(stopwatch.Elapsed < s_bound, "took " + stopwatch.Elapsed);
        Http.AssertResponse(response, 408);
        Http.AssertErrorBody(response);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(end is ConnectionEnd.Closed or ConnectionEnd.Reset, end.ToString());
    }

    [Fact]
    public async Task A_head_dribbled_steadily_is_timed_out_from_its_first_byte()
    {
        // Slowloris: a byte every 100 ms never lets a per-read timeout fire; the header timeout runs from the first byte.
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        var stopwatch = Stopwatch.StartNew();
        var header = "GET /healthz HTTP/1.1\r\nX-Slow: " + new string('z', 100);

        await connection.SendAsync(header[..1]);
        var sender = Task.Run(async () =>
        {
            foreach (var c in header[1..])
            {
                await Task.Delay(100);
                try
                {
                    await connection.SendAsync(c.ToString());
                }
                catch (Exception exception) when (exception is System.Net.Sockets.SocketException or ObjectDisposedException or OperationCanceledException)
                {
                    return;
                }
            }
        });

        var response = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(3));

        Assert.True(stopwatch.Elapsed < s_bound, "took " + stopwatch.Elapsed);
        Http.AssertResponse(response, 408);
        Assert.True(await connection.WaitForEndAsync(s_bound) is ConnectionEnd.Closed or ConnectionEnd.Reset);
        await connection.DisposeAsync();
        await sender;
    }

    [Fact]
    public async Task A_body_that_stops_arriving_gets_408_and_a_close()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        var stopwatch = Stopwatch.StartNew();

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 100\r\n\r\n{\"secret\":");
        var response = await connection.ReadResponseAsync(timeout: s_bound);

        Assert.True(stopwatch.Elapsed < s_bound, "took " + stopwatch.Elapsed);
        Http.AssertResponse(response, 408);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(await connection.WaitForEndAsync(s_bound) is ConnectionEnd.Closed or ConnectionEnd.Reset);
    }

    [Fact]
    public async Task A_chunked_body_that_stops_arriving_gets_408()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"sec\r\n");
        var response = await connection.ReadResponseAsync(timeout: s_bound);

        Http.AssertResponse(response, 408);
    }

    [Fact]
    public async Task A_client_that_keeps_sending_requests_in_time_is_not_timed_out()
    {
        // An edge of its own with a 2 s keep-alive: the fixture's 0.5 s leaves too little room for a test client whose
        // continuations wait for a core while other test classes load the process (this flaked under CI load).
        await using var server = await EdgeServer.StartAsync(new EdgeServerOptions { Arguments = ["--keep-alive-timeout-seconds", "2"] });
        await using var connection = await RawHttpConnection.OpenAsync(server);

        // 20 requests 150 ms apart: 3 s in all, longer than the keep-alive timeout, yet each gap is well within it.
        for (var i = 0; i < 20; i++)
        {
            await connection.SendAsync(Http.Get("/healthz"));
            Http.AssertResponse(await connection.ReadResponseAsync(), 200);
            await Task.Delay(150);
        }
    }

    [Fact]
    public async Task The_server_still_works_after_timeouts()
    {
        await A_body_that_stops_arriving_gets_408_and_a_close();

        // A fresh client, not one whose pooled connection the 408 above may have closed.
        using var client = new HttpClient { BaseAddress = fixture.Server.BaseUri };
        var key = await client.GenerateAsync("after a timeout", "p");
        await client.AssertRevealsAsync(key, "p", "after a timeout");
    }
}

/// <summary>DESIGN §5: idle connections are closed, without a response.</summary>
public sealed class KeepAliveTimeoutTests(ShortKeepAliveEdgeFixture fixture) : IClassFixture<ShortKeepAliveEdgeFixture>
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_without_a_response()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        await connection.SendAsync(Http.Get("/healthz"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        var stopwatch = Stopwatch.StartNew();

        var end = await connection.WaitForEndAsync(s_bound);

        Assert.Equal(ConnectionEnd.Closed, end);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromMilliseconds(300), s_bound);
    }

    [Fact]
    public async Task A_connection_that_never_sends_is_closed()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync(s_bound));
    }
}
