using System.Diagnostics;
using System.Text;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>DESIGN §1 "Everything else": HTTP/1.1 and 1.0 over raw sockets, byte for byte.</summary>
[Collection(SharedEdge.Name)]
public sealed class HttpProtocolTests(EdgeFixture fixture)
{
    private EdgeServer Server => fixture.Server;

    [Fact]
    public async Task Keep_alive_serves_several_requests_on_one_connection()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Post("/generate", Http.GenerateBody("kept alive", "p")));
        var key = Http.AssertCreated(await connection.ReadResponseAsync());
        await connection.SendAsync(Http.Post("/secrets/" + key, Http.RevealBody("wrong")));
        Http.AssertResponse(await connection.ReadResponseAsync(), 403, Http.IncorrectPhrase);
        await connection.SendAsync(Http.Get("/nowhere"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 404);
        await connection.SendAsync(Http.Post("/generate", "{}"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 400, Http.GenerateParametersRequired);
        await connection.SendAsync(Http.Get("/generate"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 405);
        await connection.SendAsync(Http.Post("/secrets/" + key, Http.RevealBody("p")));
        var revealed = await connection.ReadResponseAsync();

        Assert.Equal("kept alive", Http.AssertRevealed(revealed));
        Assert.Null(revealed.Header("Connection"));
        Assert.Equal(ConnectionEnd.StillOpen, await connection.WaitForEndAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Ten_pipelined_requests_in_one_send_get_ten_responses_in_order()
    {
        var key = await fixture.Client.GenerateAsync("pipelined", "p");
        var chunkedGenerate = "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n" +
            Chunked(Http.GenerateBody("chunked in a pipeline", "q"), 7) + "0\r\n\r\n";
        string[] requests =
        [
            Http.Post("/secrets/" + key, Http.RevealBody("wrong")),
            Http.Post("/secrets/" + key, Http.RevealBody("p")),
            Http.Post("/secrets/" + key, Http.RevealBody("p")),
            Http.Get("/healthz"),
            Http.Get("/healthz", "HEAD"),
            Http.Get("/generate"),
            Http.Post("/generate", "not json"),
            chunkedGenerate,
            Http.Get("/readyz"),
            Http.Get("/no/such/path?x=1"),
        ];
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(string.Concat(requests));

        Http.AssertResponse(await connection.ReadResponseAsync(), 403, Http.IncorrectPhrase);
        Assert.Equal("pipelined", Http.AssertRevealed(await connection.ReadResponseAsync()));
        Http.AssertResponse(await connection.ReadResponseAsync(), 404, Http.KeyNotFound);
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        var head = await connection.ReadResponseAsync(toHead: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("application/json", head.Header("Content-Type"));
        var notAllowed = await connection.ReadResponseAsync();
        Http.AssertResponse(notAllowed, 405);
        Assert.Equal("POST", notAllowed.Header("Allow"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 400, Http.GenerateParametersRequired);
        var created = Http.AssertCreated(await connection.ReadResponseAsync());
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        Http.AssertResponse(await connection.ReadResponseAsync(), 404);
        Assert.Equal(0, connection.Buffered);

        await fixture.Client.AssertRevealsAsync(created, "q", "chunked in a pipeline");
    }

    [Fact]
    public async Task Many_small_pipelined_requests_are_all_answered()
    {
        const int Count = 200;
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(string.Concat(Enumerable.Repeat(Http.Get("/healthz"), Count)));

        for (var i = 0; i < Count; i++)
        {
            Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        }
    }

    [Fact]
    public async Task Http10_closes_after_the_response()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync("GET /healthz HTTP/1.0\r\n\r\n");
        var response = await connection.ReadResponseAsync();

        Http.AssertResponse(response, 200);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync());
    }

    [Fact]
    public async Task Http10_generate_and_reveal_work_and_close()
    {
        await using var generate = await RawHttpConnection.OpenAsync(Server);
        var body = Http.GenerateBody("from 1.0", "p");
        await generate.SendAsync("POST /generate HTTP/1.0\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\n\r\n" + body);
        var key = Http.AssertCreated(await generate.ReadResponseAsync());
        Assert.Equal(ConnectionEnd.Closed, await generate.WaitForEndAsync());

        await using var reveal = await RawHttpConnection.OpenAsync(Server);
        var revealBody = Http.RevealBody("p");
        await reveal.SendAsync("POST /secrets/" + key + " HTTP/1.0\r\nHost: ots\r\nContent-Length: " + revealBody.Length + "\r\n\r\n" + revealBody);

        Assert.Equal("from 1.0", Http.AssertRevealed(await reveal.ReadResponseAsync()));
        Assert.Equal(ConnectionEnd.Closed, await reveal.WaitForEndAsync());
    }

    [Fact]
    public async Task Http10_with_keep_alive_stays_open_and_says_so()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var first = await connection.ReadResponseAsync();
        await connection.SendAsync("GET /readyz HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
        var second = await connection.ReadResponseAsync();
        await connection.SendAsync("GET /healthz HTTP/1.0\r\n\r\n");
        var third = await connection.ReadResponseAsync();

        Http.AssertResponse(first, 200);
        Assert.Equal("keep-alive", first.Header("Connection"));
        Http.AssertResponse(second, 200);
        Assert.Equal("keep-alive", second.Header("Connection"));
        Http.AssertResponse(third, 200);
        Assert.Equal("close", third.Header("Connection"));
        Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync());
    }

    [Fact]
    public async Task Http11_connection_close_is_honoured()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Get("/healthz", extraHeaders: "Connection: close\r\n") + Http.Get("/healthz"));
        var response = await connection.ReadResponseAsync();

        Http.AssertResponse(response, 200);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync());
    }

    [Fact]
    public async Task A_chunked_request_body_is_decoded()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);
        var body = Http.GenerateBody("sent in chunks", "p");

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(body, 5) + "0\r\n\r\n");
        var key = Http.AssertCreated(await connection.ReadResponseAsync());
        await connection.SendAsync("POST /secrets/" + key + " HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(Http.RevealBody("p"), 1) + "0\r\n\r\n");

        Assert.Equal("sent in chunks", Http.AssertRevealed(await connection.ReadResponseAsync()));
    }

    [Fact]
    public async Task A_chunked_body_with_extensions_uppercase_hex_and_a_trailer_is_decoded()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);
        var body = Encoding.UTF8.GetBytes(Http.GenerateBody(new string('x', 300), "p"));
        var request = new StringBuilder("POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: Chunked\r\n\r\n");
        request.Append("0A;name=value;flag\r\n").Append(Encoding.UTF8.GetString(body, 0, 10)).Append("\r\n");
        request.Append("00").Append((body.Length - 10).ToString("X", System.Globalization.CultureInfo.InvariantCulture)).Append(" ; quoted=\"a b\"\r\n");
        request.Append(Encoding.UTF8.GetString(body, 10, body.Length - 10)).Append("\r\n");
        request.Append("0;last\r\nX-Trailer: ignored\r\nX-Other: also\r\n\r\n");

        await connection.SendAsync(request.ToString());
        var key = Http.AssertCreated(await connection.ReadResponseAsync());

        await fixture.Client.AssertRevealsAsync(key, "p", new string('x', 300));
    }

    [Fact]
    public async Task An_empty_chunked_body_is_an_empty_body()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

        Http.AssertResponse(await connection.ReadResponseAsync(), 400, Http.GenerateParametersRequired);
        await connection.SendAsync(Http.Get("/healthz"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Fact]
    public async Task A_request_split_at_every_offset_gets_the_same_response()
    {
        var request = Encoding.UTF8.GetBytes(Http.Post("/generate", Http.GenerateBody("split", "p")));
        var offsets = Enumerable.Range(1, request.Length - 1).ToList();

        // Eight connections at a time keeps this well under a second, and each split still arrives as two reads.
        await Parallel.ForEachAsync(offsets, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (offset, cancel) =>
        {
            await using var connection = await RawHttpConnection.OpenAsync(Server);
            await connection.SendAsync(request.AsMemory(0, offset));
            await Task.Delay(5, cancel);
            await connection.SendAsync(request.AsMemory(offset));

            var key = Http.AssertCreated(await connection.ReadResponseAsync());
            Assert.Equal(43, key.Length);
        });
    }

    [Fact]
    public async Task A_request_sent_one_byte_at_a_time_is_answered()
    {
        var key = await fixture.Client.GenerateAsync("dribbled", "p");
        var request = Encoding.UTF8.GetBytes("POST /secrets/" + key + " HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n" +
            Chunked(Http.RevealBody("p"), 3) + "0\r\n\r\n");
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        for (var i = 0; i < request.Length; i++)
        {
            await connection.SendAsync(request.AsMemory(i, 1));
        }

        Assert.Equal("dribbled", Http.AssertRevealed(await connection.ReadResponseAsync()));
    }

    [Fact]
    public async Task Expect_100_continue_is_answered_before_the_body_is_sent()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);
        var body = Http.GenerateBody("after continue", "p");

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nExpect: 100-continue\r\nContent-Length: " + Encoding.UTF8.GetByteCount(body) + "\r\n\r\n");
        var stopwatch = Stopwatch.StartNew();
        var interim = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(2));
        var waited = stopwatch.Elapsed;

        Assert.Equal(100, interim.Status);
        Assert.Equal("Continue", interim.Reason);
        Assert.Empty(interim.Headers);
        // A client that sends the expectation waits up to a second for the answer: this is a hang check, not a
        // performance assertion.
        Assert.True(waited < TimeSpan.FromMilliseconds(900), "100 Continue took " + waited);
        Assert.Equal(0, connection.Buffered);

        await connection.SendAsync(body);
        var key = Http.AssertCreated(await connection.ReadResponseAsync());
        await fixture.Client.AssertRevealsAsync(key, "p", "after continue");
    }

    [Fact]
    public async Task Expect_100_continue_with_a_chunked_body_is_answered_first()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nExpect: 100-Continue\r\nTransfer-Encoding: chunked\r\n\r\n");
        var interim = await connection.ReadResponseAsync(timeout: TimeSpan.FromSeconds(2));
        await connection.SendAsync(Chunked(Http.GenerateBody("chunks after continue", "p"), 16) + "0\r\n\r\n");
        var key = Http.AssertCreated(await connection.ReadResponseAsync());

        Assert.Equal(100, interim.Status);
        await fixture.Client.AssertRevealsAsync(key, "p", "chunks after continue");
    }

    [Fact]
    public async Task Expect_100_continue_is_sent_once_even_when_the_body_comes_in_pieces()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);
        var body = Encoding.UTF8.GetBytes(Http.GenerateBody("pieces", "p"));

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nExpect: 100-continue\r\nContent-Length: " + body.Length + "\r\n\r\n");
        Assert.Equal(100, (await connection.ReadResponseAsync()).Status);
        await connection.SendAsync(body.AsMemory(0, 5));
        await Task.Delay(50);
        await connection.SendAsync(body.AsMemory(5));

        Http.AssertCreated(await connection.ReadResponseAsync());
        Assert.Equal(0, connection.Buffered);
    }

    [Fact]
    public async Task The_query_string_is_ignored()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Post("/generate?secret=ignored&phrase=x", Http.GenerateBody("query", "p")));
        var key = Http.AssertCreated(await connection.ReadResponseAsync());
        await connection.SendAsync(Http.Get("/healthz?verbose=1"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        await connection.SendAsync(Http.Get("/readyz?"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        await connection.SendAsync(Http.Post("/secrets/" + key + "?phrase=wrong", Http.RevealBody("p")));

        Assert.Equal("query", Http.AssertRevealed(await connection.ReadResponseAsync()));
    }

    [Theory]
    [InlineData("GET", "/generate")]
    [InlineData("HEAD", "/generate")]
    [InlineData("PUT", "/generate")]
    [InlineData("DELETE", "/generate")]
    [InlineData("OPTIONS", "/generate")]
    [InlineData("post", "/generate")]
    [InlineData("GET", "/secrets/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("DELETE", "/secrets/not-a-key")]
    public async Task Another_method_on_an_api_path_is_405_allow_post(string method, string target)
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Get(target, method) + Http.Get("/healthz"));
        var response = await connection.ReadResponseAsync(toHead: method == "HEAD");

        Assert.Equal(405, response.Status);
        Assert.Equal("POST", response.Header("Allow"));
        Assert.Equal("application/json", response.Header("Content-Type"));
        if (method != "HEAD")
        {
            Http.AssertResponse(response, 405);
            Http.AssertErrorBody(response);
        }

        // API errors keep the connection open.
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Theory]
    [InlineData("POST", "/healthz")]
    [InlineData("PUT", "/healthz")]
    [InlineData("DELETE", "/readyz")]
    [InlineData("POST", "/readyz")]
    public async Task Another_method_on_a_health_path_is_405_allow_get_head(string method, string target)
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(method == "POST" ? Http.Post(target, "{}") : Http.Get(target, method));
        var response = await connection.ReadResponseAsync();

        Http.AssertResponse(response, 405);
        Http.AssertErrorBody(response);
        Assert.Equal("GET, HEAD", response.Header("Allow"));
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Head_has_the_get_headers_and_no_body(string target)
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        // A body after the HEAD response would be read as the start of the GET response and fail it.
        await connection.SendAsync(Http.Get(target, "HEAD") + Http.Get(target));
        var head = await connection.ReadResponseAsync(toHead: true);
        var get = await connection.ReadResponseAsync();

        Http.AssertResponse(get, 200);
        Assert.Equal(200, head.Status);
        Assert.Equal("application/json", head.Header("Content-Type"));
        Assert.Equal(get.Header("Content-Length"), head.Header("Content-Length"));
        Assert.NotEqual("0", head.Header("Content-Length"));
        Assert.Equal(0, connection.Buffered);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_200(string path)
    {
        using var response = await fixture.Client.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal(System.Text.Json.JsonValueKind.Object, json.RootElement.ValueKind);
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/index.html")]
    [InlineData("POST", "/")]
    [InlineData("POST", "/generate/")]
    [InlineData("POST", "/generate/x")]
    [InlineData("POST", "/Generate")]
    [InlineData("POST", "/generatex")]
    [InlineData("POST", "//generate")]
    [InlineData("POST", "/secrets/")]
    [InlineData("POST", "/secrets/a/b")]
    [InlineData("GET", "/healthz/")]
    [InlineData("GET", "/readyz/x")]
    [InlineData("GET", "/%67enerate")]
    [InlineData("DELETE", "/nothing")]
    [InlineData("HEAD", "/nothing")]
    [InlineData("HEAD", "/secrets/")]
    public async Task An_unknown_path_is_404_and_keeps_the_connection(string method, string target)
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync((method == "POST" ? Http.Post(target, Http.GenerateBody("s", "p")) : Http.Get(target, method)) + Http.Get("/healthz"));
        var response = await connection.ReadResponseAsync(toHead: method == "HEAD");

        Assert.Equal(404, response.Status);
        Assert.Null(response.Header("Allow"));
        if (method != "HEAD")
        {
            Http.AssertResponse(response, 404);
            Http.AssertErrorBody(response);
        }

        // The next response parses only if the 404 had exactly its Content-Length of body (none after HEAD).
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Fact]
    public async Task Header_names_and_framing_values_are_case_insensitive()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);
        var body = Http.GenerateBody("case", "p");

        await connection.SendAsync("POST /generate HTTP/1.1\r\nhOST: ots\r\ncontent-LENGTH: " + Encoding.UTF8.GetByteCount(body) + "\r\n\r\n" + body);

        Http.AssertCreated(await connection.ReadResponseAsync());
    }

    [Fact]
    public async Task An_empty_line_before_a_request_is_ignored()
    {
        // RFC 9112 §2.2: some clients send a CRLF after a POST body.
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Post("/generate", Http.GenerateBody("crlf", "p")) + "\r\n" + Http.Get("/healthz"));

        Http.AssertCreated(await connection.ReadResponseAsync());
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Fact]
    public async Task A_half_closed_client_still_gets_its_response()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Post("/generate", Http.GenerateBody("half-closed", "p")));
        connection.ShutdownSend();
        var key = Http.AssertCreated(await connection.ReadResponseAsync());

        Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync());
        await fixture.Client.AssertRevealsAsync(key, "p", "half-closed");
    }

    [Fact]
    public async Task A_half_closed_client_gets_every_pipelined_response()
    {
        var key = await fixture.Client.GenerateAsync("half-closed pipeline", "p");
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Get("/healthz") + Http.Post("/secrets/" + key, Http.RevealBody("p")) + Http.Get("/readyz"));
        connection.ShutdownSend();

        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        Assert.Equal("half-closed pipeline", Http.AssertRevealed(await connection.ReadResponseAsync()));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        Assert.Equal(ConnectionEnd.Closed, await connection.WaitForEndAsync());
    }

    [Fact]
    public async Task A_half_closed_client_with_an_incomplete_request_is_closed_without_an_answer()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 100\r\n\r\n{\"secret\"");
        connection.ShutdownSend();

        var (bytes, end) = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(ConnectionEnd.Closed, end);
        Assert.True(bytes.Length == 0 || Encoding.ASCII.GetString(bytes).StartsWith("HTTP/1.1 4", StringComparison.Ordinal), Encoding.ASCII.GetString(bytes));
    }

    [Fact]
    public async Task Every_response_carries_a_date()
    {
        await using var connection = await RawHttpConnection.OpenAsync(Server);

        await connection.SendAsync(Http.Get("/healthz"));
        var response = await connection.ReadResponseAsync();

        var date = DateTimeOffset.ParseExact(response.Header("Date")!, "r", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(date, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
    }

    /// <summary>The body as chunks of at most <paramref name="size"/> bytes, lowercase hex sizes, without the last chunk.</summary>
    internal static string Chunked(string body, int size)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var builder = new StringBuilder();
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var length = Math.Min(size, bytes.Length - offset);
            builder.Append(length.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
                .Append(Encoding.UTF8.GetString(bytes, offset, length)).Append("\r\n");
        }

        return builder.ToString();
    }
}
