using System.Text;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// DESIGN §1 "Edge cases, decided": framing rejections (400 malformed, 413, 414, 417, 431, 501, 505) answer with
/// <c>Connection: close</c> and then close; every smuggling vector is refused. Checked before routing.
/// </summary>
[Collection(SharedEdge.Name)]
public sealed class RejectionTests(EdgeFixture fixture)
{
    private const int MaxBodyBytes = 128 * 1024;

    /// <summary>Sends <paramref name="request"/>, expects the rejection, then the server's close.</summary>
    private async Task<RawResponse> AssertRejectedAsync(string request, int status) =>
        await AssertRejectedAsync(Encoding.UTF8.GetBytes(request), status);

    private async Task<RawResponse> AssertRejectedAsync(byte[] request, int status)
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        await connection.SendAsync(request);

        var response = await connection.ReadResponseAsync();

        Http.AssertResponse(response, status);
        Http.AssertErrorBody(response);
        Assert.Equal("close", response.Header("Connection"));
        var end = await connection.WaitForEndAsync();
        Assert.True(end is ConnectionEnd.Closed or ConnectionEnd.Reset, "after a rejection the connection must close, but it is " + end);
        return response;
    }

    [Fact]
    public async Task A_content_length_over_the_limit_is_413_before_any_body_is_read()
    {
        await AssertRejectedAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: " + (MaxBodyBytes + 1) + "\r\n\r\n", 413);
    }

    [Fact]
    public async Task A_content_length_at_the_limit_is_accepted()
    {
        // N is fine, N+1 is 413: a body of exactly MaxBodyBytes is routed (and is valid JSON here).
        var padding = new string(' ', MaxBodyBytes - Http.GenerateBody("at the limit", "p").Length);
        var body = Http.GenerateBody("at the limit", "p") + padding;
        Assert.Equal(MaxBodyBytes, body.Length);
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync(Http.Post("/generate", body));

        Http.AssertCreated(await connection.ReadResponseAsync());
    }

    [Fact]
    public async Task A_huge_content_length_is_413_not_an_overflow()
    {
        await AssertRejectedAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 99999999999999999\r\n\r\n", 413);
    }

    [Fact]
    public async Task An_oversized_body_sent_with_its_head_still_gets_413()
    {
        // The body follows the head in the same send, as most clients do it: the 413 must still reach the client.
        var body = new string('x', MaxBodyBytes + 1);

        await AssertRejectedAsync(Http.Post("/generate", body), 413);
    }

    [Fact]
    public async Task An_oversized_body_to_an_unknown_path_is_413()
    {
        // Framing limits come before routing.
        await AssertRejectedAsync("POST /no/such/path HTTP/1.1\r\nHost: ots\r\nContent-Length: " + (MaxBodyBytes + 1) + "\r\n\r\n", 413);
    }

    [Fact]
    public async Task An_oversized_body_to_a_get_path_is_413()
    {
        await AssertRejectedAsync("GET /healthz HTTP/1.1\r\nHost: ots\r\nContent-Length: 1000000\r\n\r\n", 413);
    }

    [Fact]
    public async Task A_chunked_body_growing_over_the_limit_is_413()
    {
        var chunk = new string('x', 64 * 1024);
        var request = "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "10000\r\n" + chunk + "\r\n" + "10000\r\n" + chunk + "\r\n" + "1\r\nx\r\n0\r\n\r\n";

        await AssertRejectedAsync(request, 413);
    }

    [Fact]
    public async Task A_single_chunk_over_the_limit_is_413_at_its_size_line()
    {
        await AssertRejectedAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n20001\r\n", 413);
    }

    [Fact]
    public async Task A_chunked_body_of_exactly_the_limit_is_accepted()
    {
        var json = Http.GenerateBody("chunked at the limit", "p");
        var body = json + new string(' ', MaxBodyBytes - json.Length);
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n" + HttpProtocolTests.Chunked(body, 10_000) + "0\r\n\r\n");

        Http.AssertCreated(await connection.ReadResponseAsync());
    }

    [Fact]
    public async Task Headers_over_32_KiB_are_431()
    {
        await AssertRejectedAsync("GET /healthz HTTP/1.1\r\nHost: ots\r\nX-Big: " + new string('a', 33 * 1024) + "\r\n\r\n", 431);
    }

    [Fact]
    public async Task Many_header_lines_over_32_KiB_in_total_are_431()
    {
        var headers = string.Concat(Enumerable.Range(0, 40).Select(i => "X-H" + i + ": " + new string('b', 1000) + "\r\n"));

        await AssertRejectedAsync("GET /healthz HTTP/1.1\r\nHost: ots\r\n" + headers + "\r\n", 431);
    }

    [Fact]
    public async Task Headers_just_under_the_limit_are_accepted()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync("GET /healthz HTTP/1.1\r\nHost: ots\r\nX-Big: " + new string('a', 30 * 1024) + "\r\n\r\n");

        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Fact]
    public async Task A_request_line_over_8_KiB_is_414()
    {
        await AssertRejectedAsync("GET /" + new string('a', 9 * 1024) + " HTTP/1.1\r\nHost: ots\r\n\r\n", 414);
    }

    [Fact]
    public async Task A_request_line_over_8_KiB_is_414_before_its_end_arrives()
    {
        await AssertRejectedAsync("GET /" + new string('a', 9 * 1024), 414);
    }

    [Fact]
    public async Task A_long_request_line_under_8_KiB_is_routed()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync(Http.Get("/healthz?" + new string('q', 8000)));

        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
    }

    [Theory]
    [InlineData("HTTP/2.0")]
    [InlineData("HTTP/1.2")]
    [InlineData("HTTP/0.9")]
    [InlineData("HTTP/3.0")]
    public async Task Another_http_version_is_505(string version)
    {
        await AssertRejectedAsync("GET /healthz " + version + "\r\nHost: ots\r\n\r\n", 505);
    }

    [Theory]
    [InlineData("something")]
    [InlineData("100-continue-please")]
    [InlineData("")]
    public async Task An_expectation_other_than_100_continue_is_417(string expectation)
    {
        await AssertRejectedAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nExpect: " + expectation + "\r\nContent-Length: 2\r\n\r\n{}", 417);
    }

    public static TheoryData<string, string, int> SmugglingVectors => new()
    {
        { "CL+TE", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "TE+CL", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400 },
        { "duplicate identical CL", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}", 400 },
        { "duplicate different CL", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400 },
        { "CL list", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 2, 2\r\n\r\n{}", 400 },
        { "CL not a number", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: abc\r\n\r\n{}", 400 },
        { "CL negative", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: -2\r\n\r\n{}", 400 },
        { "CL plus sign", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: +2\r\n\r\n{}", 400 },
        { "CL hex", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 0x2\r\n\r\n{}", 400 },
        { "CL empty", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: \r\n\r\n{}", 400 },
        { "CL inner space", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 1 2\r\n\r\n{}", 400 },
        { "TE gzip", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: gzip\r\n\r\n", 501 },
        { "TE gzip, chunked", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501 },
        { "TE chunked twice", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501 },
        { "TE identity", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: identity\r\n\r\n", 501 },
        { "TE on HTTP/1.0", "POST /generate HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "obs-fold", "GET /healthz HTTP/1.1\r\nHost: ots\r\nX-Folded: a\r\n b\r\n\r\n", 400 },
        { "obs-fold with tab", "GET /healthz HTTP/1.1\r\nHost: ots\r\nX-Folded: a\r\n\tb\r\n\r\n", 400 },
        { "missing Host", "GET /healthz HTTP/1.1\r\n\r\n", 400 },
        { "two Hosts", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
        { "space before colon", "POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length : 2\r\n\r\n{}", 400 },
        { "tab before colon", "GET /healthz HTTP/1.1\r\nHost\t: ots\r\n\r\n", 400 },
        { "bare LF in headers", "GET /healthz HTTP/1.1\nHost: ots\n\n", 400 },
        { "bare LF after a header", "GET /healthz HTTP/1.1\r\nHost: ots\nX: y\r\n\r\n", 400 },
        { "bare CR in a value", "GET /healthz HTTP/1.1\r\nHost: ots\r\nX: a\rb\r\n\r\n", 400 },
        { "NUL in a value", "GET /healthz HTTP/1.1\r\nHost: ots\r\nX: a\0b\r\n\r\n", 400 },
        { "empty header name", "GET /healthz HTTP/1.1\r\nHost: ots\r\n: value\r\n\r\n", 400 },
        { "no colon", "GET /healthz HTTP/1.1\r\nHost: ots\r\nNoColon\r\n\r\n", 400 },
        { "double space in request line", "GET  /healthz HTTP/1.1\r\nHost: ots\r\n\r\n", 400 },
        { "absolute form", "GET http://ots/healthz HTTP/1.1\r\nHost: ots\r\n\r\n", 400 },
        { "asterisk form", "OPTIONS * HTTP/1.1\r\nHost: ots\r\n\r\n", 400 },
        { "lowercase version", "GET /healthz http/1.1\r\nHost: ots\r\n\r\n", 400 },
        { "no version", "GET /healthz\r\nHost: ots\r\n\r\n", 400 },
        { "space in target", "GET /health z HTTP/1.1\r\nHost: ots\r\n\r\n", 400 },
        { "bad chunk size", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", 400 },
        { "chunk without CRLF after data", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n", 400 },
        { "negative chunk size", "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\n-2\r\n{}\r\n0\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(SmugglingVectors))]
    public async Task A_smuggling_vector_or_malformed_request_is_refused_and_closed(string name, string request, int status)
    {
        Assert.NotNull(name);
        await AssertRejectedAsync(request, status);
    }

    [Fact]
    public async Task A_smuggled_second_request_is_never_answered()
    {
        // CL.TE: a front end that honours Content-Length would forward the GET as part of the body; one that honours
        // chunked would see it as a second request. The edge refuses the whole thing and answers exactly once.
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        await connection.SendAsync("POST /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 40\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: ots\r\n\r\n");

        var response = await connection.ReadResponseAsync();
        var (rest, end) = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));

        Http.AssertResponse(response, 400);
        Assert.Empty(rest);
        Assert.True(end is ConnectionEnd.Closed or ConnectionEnd.Reset, end.ToString());
    }

    [Fact]
    public async Task A_rejection_after_a_good_pipelined_request_answers_both_then_closes()
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);

        await connection.SendAsync(Http.Get("/healthz") + "GET /healthz HTTP/2.0\r\nHost: ots\r\n\r\n" + Http.Get("/healthz"));

        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        var rejected = await connection.ReadResponseAsync();
        Http.AssertResponse(rejected, 505);
        Assert.Equal("close", rejected.Header("Connection"));
        var (rest, end) = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));
        Assert.Empty(rest);
        Assert.True(end is ConnectionEnd.Closed or ConnectionEnd.Reset, end.ToString());
    }

    [Fact]
    public async Task The_server_keeps_serving_after_rejections()
    {
        await A_content_length_over_the_limit_is_413_before_any_body_is_read();
        await Headers_over_32_KiB_are_431();

        var key = await fixture.Client.GenerateAsync("after rejections", "p");
        await fixture.Client.AssertRevealsAsync(key, "p", "after rejections");
    }
}
