using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// Slowloris, idle connections, the connection limit and a pipelined flood: none of them stops service to a normal
/// client, the timeouts and the limit hold, and memory stays bounded. The edge is a shared one with 2 s header and
/// body timeouts.
/// </summary>
[Collection(SharedGarnet.Name)]
public sealed class HostileClientTests(GarnetFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Slowloris_on_headers_and_bodies_is_cut_off_by_the_timeouts_and_normal_clients_are_served_meanwhile()
    {
        var edge = await fixture.SharedEdgeAsync(1);
        var head = "POST /generate HTTP/1.1\r\nHost: ots\r\nX-Padding: " + new string('a', 200) + "\r\n";
        var body = Http.Post("/generate", Http.GenerateBody(new string('s', 300), "p"));
        var bodyStart = body.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4;

        // 50 clients dribble a header section, 50 a body, one byte every 100 ms: each would take > 20 s to finish.
        var stopwatch = Stopwatch.StartNew();
        var dribblers = new List<Task<(string Received, TimeSpan After)>>();
        for (var i = 0; i < 50; i++)
        {
            dribblers.Add(DribbleAsync(edge, "", head));
            dribblers.Add(DribbleAsync(edge, body[..bodyStart], body[bodyStart..]));
        }

        // Meanwhile a normal client is served, several times over.
        using var client = edge.CreateClient();
        var served = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            var key = await client.GenerateAsync("normal", "p");
            await client.AssertRevealsAsync(key, "p", "normal");
        }

        var normalTime = served.Elapsed;
        var results = await Task.WhenAll(dribblers);
        output.WriteLine($"100 slowloris connections: 5 generate+reveal pairs served in {normalTime.TotalSeconds:0.00} s meanwhile; " +
            $"every dribbler cut off within {results.Max(r => r.After).TotalSeconds:0.00} s (header/body timeout 2 s)");
        Assert.All(results, result =>
        {
            Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", result.Received, StringComparison.Ordinal);
            Assert.True(result.After < TimeSpan.FromSeconds(8), "cut off after " + result.After);
        });
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_thousand_idle_connections_do_not_stop_service()
    {
        var edge = await fixture.SharedEdgeAsync(1);
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(edge.EndPoint);
            }

            // Let the edge accept them all, then check it holds them.
            var held = 0;
            for (var i = 0; i < 50 && (held = edge.CountSockets()) < 1000; i++)
            {
                await Task.Delay(100);
            }

            using var client = edge.CreateClient();
            var stopwatch = Stopwatch.StartNew();
            var key = await client.GenerateAsync("normal", "p");
            await client.AssertRevealsAsync(key, "p", "normal");
            output.WriteLine($"1000 idle connections open (edge holds {held} sockets): generate + reveal in {stopwatch.Elapsed.TotalSeconds:0.00} s");
            Assert.True(held >= 1000, "the edge holds only " + held + " sockets");
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_pipelined_flood_sent_without_reading_is_answered_in_order_or_cut_off_with_memory_bounded()
    {
        var edge = await fixture.SharedEdgeAsync(1);
        const int Requests = 10_000;
        var request = Encoding.ASCII.GetBytes(Http.Get("/healthz"));
        var flood = new byte[request.Length * Requests];
        for (var i = 0; i < Requests; i++)
        {
            request.CopyTo(flood, i * request.Length);
        }

        var rssBefore = edge.ResidentBytes();
        var rssPeak = rssBefore;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(edge.EndPoint);
        using (var sendBound = new CancellationTokenSource(TimeSpan.FromSeconds(10)))
        {
            try
            {
                await socket.SendAsync(flood, SocketFlags.None, sendBound.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException)
            {
                // The edge stopped reading (its output is full and we read nothing) or closed: both are allowed.
            }
        }

        // Not reading for a while: the edge holds what it has produced, and no more.
        for (var i = 0; i < 10; i++)
        {
            rssPeak = Math.Max(rssPeak, edge.ResidentBytes());
            await Task.Delay(100);
        }

        // Now read: responses in order, each a 200, until all are in or the edge has cut the connection.
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        using (var readBound = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try
            {
                int read;
                while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, readBound.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                    rssPeak = Math.Max(rssPeak, edge.ResidentBytes());
                    if (CountResponses(received) == Requests)
                    {
                        break;
                    }
                }
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException)
            {
            }
        }

        var text = Encoding.ASCII.GetString(received.ToArray());
        var answered = CountResponses(received);
        var statuses = text.Split("HTTP/1.1 ", StringSplitOptions.RemoveEmptyEntries).Select(r => r[..3]).Distinct().ToList();
        output.WriteLine($"{Requests} pipelined GET /healthz: {answered} answered in order, RSS {rssBefore / 1048576} MiB before, " +
            $"peak {rssPeak / 1048576} MiB (+{(rssPeak - rssBefore) / 1048576} MiB)");
        Assert.True(answered > 0);
        Assert.Equal(["200"], statuses);
        Assert.True(rssPeak - rssBefore < 100L * 1024 * 1024, "RSS grew by " + ((rssPeak - rssBefore) / 1048576) + " MiB");

        // And the edge still serves.
        Assert.Equal(200, await Probe.StatusAsync(edge.EndPoint, Http.Get("/healthz"), TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_json_member_name_with_a_lone_surrogate_escape_is_a_400_and_the_connection_stays_open()
    {
        // Found by fuzzing: it used to escape the JSON readers as an exception, so the edge dropped the connection
        // without an answer and logged an error with a stack trace, for any client that sent it.
        var edge = await fixture.SharedEdgeAsync(1);
        await using var connection = await RawHttpConnection.OpenAsync(edge);
        await connection.SendAsync(Http.Post("/generate", """{"sec\ud800ret":"s","phrase":"p"}"""));
        Http.AssertResponse(await connection.ReadResponseAsync(), 400, Http.GenerateParametersRequired);
        await connection.SendAsync(Http.Post("/secrets/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", """{"\udc00":1,"phrase":"p"}"""));
        Http.AssertResponse(await connection.ReadResponseAsync(), 400, Http.RevealParametersRequired);
        await connection.SendAsync(Http.Get("/healthz"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        Assert.DoesNotContain(edge.OutputLines, line => line.Contains("OtsConnectionHandler", StringComparison.Ordinal));
    }

    private static int CountResponses(MemoryStream received)
    {
        var span = received.GetBuffer().AsSpan(0, (int)received.Length);
        var count = 0;
        int at;
        while ((at = span.IndexOf("HTTP/1.1 200 OK\r\n"u8)) >= 0)
        {
            count++;
            span = span[(at + 1)..];
        }

        return count;
    }

    /// <summary>Sends <paramref name="prefix"/> at once, then <paramref name="dribble"/> one byte every 100 ms, until the server answers or closes.</summary>
    private static async Task<(string Received, TimeSpan After)> DribbleAsync(ProcessEdgeServer edge, string prefix, string dribble)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(edge.EndPoint);
        var stopwatch = Stopwatch.StartNew();
        if (prefix.Length > 0)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(prefix));
        }

        var buffer = new byte[1024];
        var receive = socket.ReceiveAsync(buffer, SocketFlags.None);
        foreach (var b in Encoding.ASCII.GetBytes(dribble))
        {
            if (receive.IsCompleted || stopwatch.Elapsed > TimeSpan.FromSeconds(15))
            {
                break;
            }

            try
            {
                await socket.SendAsync(new[] { b }, SocketFlags.None);
            }
            catch (SocketException)
            {
                break;
            }

            await Task.WhenAny(receive, Task.Delay(100));
        }

        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var read = await receive.WaitAsync(bound.Token);
            return (Encoding.ASCII.GetString(buffer, 0, read), stopwatch.Elapsed);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException)
        {
            return ("(nothing: " + exception.GetType().Name + ")", stopwatch.Elapsed);
        }
    }
}

/// <summary><c>--max-connections 50</c>: the 51st connection is closed unserved; service resumes as connections close.</summary>
[Collection(SharedGarnet.Name)]
public sealed class ConnectionLimitTests(GarnetFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_51st_connection_is_refused_and_service_resumes_when_connections_close()
    {
        await using var edge = await EdgeProcess.StartAsync(fixture.Garnet.ConnectionString, ["--max-connections", "50"]);
        var open = new List<RawHttpConnection>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var connection = await RawHttpConnection.OpenAsync(edge);
                await connection.SendAsync(Http.Get("/healthz"));
                Http.AssertResponse(await connection.ReadResponseAsync(), 200);
                open.Add(connection);
            }

            // The 51st: accepted by the kernel, closed by Kestrel without an answer.
            Assert.Equal(0, await Probe.StatusAsync(edge.EndPoint, Http.Get("/healthz"), TimeSpan.FromSeconds(5)));

            // The 50 still work.
            await open[0].SendAsync(Http.Get("/healthz"));
            Http.AssertResponse(await open[0].ReadResponseAsync(), 200);

            for (var i = 0; i < 10; i++)
            {
                await open[^1].DisposeAsync();
                open.RemoveAt(open.Count - 1);
            }

            var resumed = await Probe.WaitUntilAsync(
                async () => await Probe.StatusAsync(edge.EndPoint, Http.Get("/healthz"), TimeSpan.FromSeconds(2)) == 200, TimeSpan.FromSeconds(10));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"--max-connections 50: 50 served, the 51st closed unanswered; after 10 closed, a new one served within {resumed?.TotalSeconds:0.00} s"));
            Assert.NotNull(resumed);
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }
}
