using System.Buffers;
using System.Text;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>
/// The operations routes: <c>/metrics</c> and <c>/openapi.yaml</c> match exactly (query ignored, no trailing slash, no
/// case folding), and their responses carry their own Content-Type with the same framing as every JSON response.
/// </summary>
public class OperationsRouteTests
{
    private const string FixedDate = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

    [Theory]
    [InlineData("/metrics", RequestTarget.Metrics)]
    [InlineData("/metrics?name[]=ots_http_requests_total", RequestTarget.Metrics)]
    [InlineData("/openapi.yaml", RequestTarget.OpenApi)]
    [InlineData("/openapi.yaml?v=1", RequestTarget.OpenApi)]
    [InlineData("/metrics/", RequestTarget.Unknown)]
    [InlineData("/Metrics", RequestTarget.Unknown)]
    [InlineData("/metricsz", RequestTarget.Unknown)]
    [InlineData("/metric", RequestTarget.Unknown)]
    [InlineData("/openapi.json", RequestTarget.Unknown)]
    [InlineData("/openapi.yaml/", RequestTarget.Unknown)]
    [InlineData("/openapi.yml", RequestTarget.Unknown)]
    [InlineData("/docs/openapi.yaml", RequestTarget.Unknown)]
    [InlineData("/secrets/metrics", RequestTarget.Secret)]
    public void Path_selects_the_target(string target, RequestTarget expected)
    {
        foreach (var method in new[] { "GET", "HEAD", "POST" })
        {
            var request = HeadParse.Request(method + " " + target + " HTTP/1.1", "Host: ots");

            var whole = HeadParse.Run(request);
            var bytePerSegment = HeadParse.Run(Sequences.BytePerSegment(request));

            Assert.Equal(ParseStatus.Complete, whole.Status);
            Assert.Equal(expected, whole.Head.Target);
            Assert.Equal(expected, bytePerSegment.Head.Target);
            Assert.Equal(request.Length, whole.HeadLength);
        }
    }

    [Fact]
    public void Every_prefix_of_a_metrics_request_is_incomplete()
    {
        var request = HeadParse.Request("GET /metrics HTTP/1.1", "Host: ots", "Accept: text/plain");
        for (var length = 0; length < request.Length; length++)
        {
            var parse = HeadParse.Run(request.AsSpan(0, length).ToArray());
            Assert.True(parse.Status == ParseStatus.Incomplete, "prefix of " + length + " bytes: " + parse.Status);
            Assert.Equal(0, parse.HeadLength);
        }
    }

    [Fact]
    public void Prometheus_text_response_is_byte_exact()
    {
        var body = "# TYPE up gauge\nup 1\n"u8.ToArray();

        var text = Render(o => ResponseWriter.Write(o, HttpStatus.OK, MediaType.PrometheusText, body));

        Assert.Equal(
            "HTTP/1.1 200 OK\r\n" +
            "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 21\r\n" +
            "\r\n" +
            "# TYPE up gauge\nup 1\n",
            text);
    }

    [Fact]
    public void Yaml_response_to_head_has_the_headers_and_no_body()
    {
        var body = "openapi: 3.1.0\n"u8.ToArray();

        var text = Render(o => ResponseWriter.Write(o, HttpStatus.OK, MediaType.Yaml, body, ConnectionDirective.Close, omitBody: true));

        Assert.Equal(
            "HTTP/1.1 200 OK\r\n" +
            "Content-Type: application/yaml\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 15\r\n" +
            "Connection: close\r\n" +
            "\r\n",
            text);
    }

    [Fact]
    public void Json_media_type_is_the_json_overload()
    {
        var body = """{"status":"ok"}"""u8.ToArray();

        var viaMediaType = Render(o => ResponseWriter.Write(o, HttpStatus.MethodNotAllowed, MediaType.Json, body, ConnectionDirective.KeepAlive, AllowHeader.GetHead));
        var viaJson = Render(o => ResponseWriter.Write(o, HttpStatus.MethodNotAllowed, body, ConnectionDirective.KeepAlive, AllowHeader.GetHead));

        Assert.Equal(viaJson, viaMediaType);
        Assert.Contains("Content-Type: application/json\r\n", viaMediaType, StringComparison.Ordinal);
    }

    [Fact]
    public void Longest_header_section_fits_the_writer_span()
    {
        // A writer that hands out exactly what is asked: the header section must fit the span requested up front.
        var output = new ArrayBufferWriter<byte>(1);
        ResponseWriter.Write(output, HttpStatus.RequestHeaderFieldsTooLarge, MediaType.PrometheusText, new byte[1_000_000_000 / 1000], ConnectionDirective.KeepAlive, AllowHeader.GetHead, omitBody: true);
        var head = Encoding.Latin1.GetString(output.WrittenSpan);
        Assert.EndsWith("Allow: GET, HEAD\r\n\r\n", head, StringComparison.Ordinal);
        Assert.True(head.Length <= 256, "header section of " + head.Length + " bytes");
    }

    private static string Render(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        var text = Encoding.Latin1.GetString(output.WrittenSpan);
        var at = text.IndexOf("\r\nDate: ", StringComparison.Ordinal);
        Assert.True(at > 0, "no Date header: " + text);
        return text[..(at + 2)] + FixedDate + text[(at + 2 + DateHeader.Length)..];
    }
}
