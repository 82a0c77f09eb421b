using System.Buffers;
using System.Globalization;
using System.Text;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary>Byte-exact responses (DESIGN §1: JSON Content-Type and Content-Length on every response; STYLE §5: a golden per preamble).</summary>
public class ResponseWriterTests
{
    private const string FixedDate = "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n";

    private static readonly Dictionary<HttpStatus, string> s_reasonPhrases = new()
    {
        [HttpStatus.OK] = "OK",
        [HttpStatus.Created] = "Created",
        [HttpStatus.BadRequest] = "Bad Request",
        [HttpStatus.Forbidden] = "Forbidden",
        [HttpStatus.NotFound] = "Not Found",
        [HttpStatus.MethodNotAllowed] = "Method Not Allowed",
        [HttpStatus.RequestTimeout] = "Request Timeout",
        [HttpStatus.ContentTooLarge] = "Content Too Large",
        [HttpStatus.UriTooLong] = "URI Too Long",
        [HttpStatus.ExpectationFailed] = "Expectation Failed",
        [HttpStatus.TooManyRequests] = "Too Many Requests",
        [HttpStatus.RequestHeaderFieldsTooLarge] = "Request Header Fields Too Large",
        [HttpStatus.InternalServerError] = "Internal Server Error",
        [HttpStatus.NotImplemented] = "Not Implemented",
        [HttpStatus.ServiceUnavailable] = "Service Unavailable",
        [HttpStatus.HttpVersionNotSupported] = "HTTP Version Not Supported",
    };

    [Fact]
    public void Ok_with_the_default_connection()
    {
        var text = Render(o => ResponseWriter.Write(o, HttpStatus.OK, ApiErrors.Healthy));
        Assert.Equal(
            "HTTP/1.1 200 OK\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 15\r\n" +
            "\r\n" +
            "{\"status\":\"ok\"}",
            text);
    }

    [Fact]
    public void Created_with_keep_alive_for_an_HTTP10_client()
    {
        var body = Encoding.ASCII.GetBytes("{\"secret_key\":\"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE\"}");
        var text = Render(o => ResponseWriter.Write(o, HttpStatus.Created, body, ConnectionDirective.KeepAlive));
        Assert.Equal(
            "HTTP/1.1 201 Created\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 60\r\n" +
            "Connection: keep-alive\r\n" +
            "\r\n" +
            "{\"secret_key\":\"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE\"}",
            text);
    }

    [Fact]
    public void Rejection_with_connection_close()
    {
        var body = Rejections.BodyOf(RejectReason.RequestLineTooLong).ToArray();
        var text = Render(o => ResponseWriter.Write(o, Rejections.StatusOf(RejectReason.RequestLineTooLong), body, ConnectionDirective.Close));
        Assert.Equal(
            "HTTP/1.1 414 URI Too Long\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 33\r\n" +
            "Connection: close\r\n" +
            "\r\n" +
            "{\"Error\":\"Request line too long\"}",
            text);
    }

    [Fact]
    public void Method_not_allowed_on_an_API_route_allows_POST()
    {
        var text = Render(o => ResponseWriter.Write(o, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, allow: AllowHeader.Post));
        Assert.Equal(
            "HTTP/1.1 405 Method Not Allowed\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 30\r\n" +
            "Allow: POST\r\n" +
            "\r\n" +
            "{\"Error\":\"Method not allowed\"}",
            text);
    }

    [Fact]
    public void Method_not_allowed_on_a_probe_allows_GET_and_HEAD_with_close()
    {
        var text = Render(o => ResponseWriter.Write(o, HttpStatus.MethodNotAllowed, ApiErrors.MethodNotAllowed, ConnectionDirective.Close, AllowHeader.GetHead));
        Assert.Equal(
            "HTTP/1.1 405 Method Not Allowed\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 30\r\n" +
            "Connection: close\r\n" +
            "Allow: GET, HEAD\r\n" +
            "\r\n" +
            "{\"Error\":\"Method not allowed\"}",
            text);
    }

    [Fact]
    public void HEAD_omits_the_body_but_keeps_its_Content_Length()
    {
        var text = Render(o => ResponseWriter.Write(o, HttpStatus.ServiceUnavailable, ApiErrors.ServiceUnavailable, omitBody: true));
        Assert.Equal(
            "HTTP/1.1 503 Service Unavailable\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 31\r\n" +
            "\r\n",
            text);
    }

    [Fact]
    public void Empty_body_has_Content_Length_0()
    {
        var text = Render(o => ResponseWriter.Write(o, HttpStatus.OK, default));
        Assert.EndsWith("Content-Length: 0\r\n\r\n", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(99_999)]
    [InlineData(HttpLimits.DefaultMaxBodyBytes)]
    [InlineData(6 * HttpLimits.DefaultMaxBodyBytes + 100)]
    public void Content_Length_is_the_exact_body_length(int length)
    {
        var body = new byte[length];
        body.AsSpan().Fill((byte)'x');
        var output = new ArrayBufferWriter<byte>();
        ResponseWriter.Write(output, HttpStatus.OK, body);
        var text = Encoding.ASCII.GetString(output.WrittenSpan);
        var head = text[..(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
        Assert.Contains("\r\nContent-Length: " + length.ToString(CultureInfo.InvariantCulture) + "\r\n", head, StringComparison.Ordinal);
        Assert.Equal(head.Length + length, output.WrittenCount);
    }

    [Fact]
    public void Pipelined_responses_follow_each_other_in_order()
    {
        var output = new ArrayBufferWriter<byte>();
        ResponseWriter.WriteContinue(output);
        ResponseWriter.Write(output, HttpStatus.NotFound, ApiErrors.KeyNotFound);
        ResponseWriter.Write(output, HttpStatus.Forbidden, ApiErrors.IncorrectPhrase, ConnectionDirective.Close);
        var text = ReplaceDates(Encoding.ASCII.GetString(output.WrittenSpan));
        Assert.Equal(
            "HTTP/1.1 100 Continue\r\n\r\n" +
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n" + FixedDate + "Cache-Control: no-store\r\nContent-Length: 25\r\n\r\n{\"Error\":\"Key not found\"}" +
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n" + FixedDate + "Cache-Control: no-store\r\nContent-Length: 28\r\nConnection: close\r\n\r\n{\"Error\":\"Incorrect phrase\"}",
            text);
    }

    [Fact]
    public void Continue_is_a_status_line_and_an_empty_header_section()
    {
        var output = new ArrayBufferWriter<byte>();
        ResponseWriter.WriteContinue(output);
        Assert.Equal("HTTP/1.1 100 Continue\r\n\r\n", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Every_status_has_a_well_formed_status_line_with_its_reason_phrase()
    {
        Assert.Equal(Enum.GetValues<HttpStatus>().Order(), s_reasonPhrases.Keys.Order());
        foreach (var status in Enum.GetValues<HttpStatus>())
        {
            var text = Render(o => ResponseWriter.Write(o, status, default));
            var code = ((int)status).ToString(CultureInfo.InvariantCulture);
            var expected = "HTTP/1.1 " + code + " " + s_reasonPhrases[status] + "\r\n";
            Assert.StartsWith(expected, text, StringComparison.Ordinal);
            Assert.InRange(expected.Length, 1, Http1Bytes.MaxStatusLineLength);
        }
    }

    [Fact]
    public void The_largest_header_section_fits_a_writer_that_gives_exactly_what_is_asked()
    {
        // A writer may return exactly sizeHint bytes; the longest status line with every optional header must fit.
        var body = new byte[1_000_000];
        body.AsSpan().Fill((byte)'b');
        var output = new ExactBufferWriter();
        ResponseWriter.Write(output, HttpStatus.RequestHeaderFieldsTooLarge, body, ConnectionDirective.KeepAlive, AllowHeader.GetHead);
        var text = ReplaceDates(Encoding.ASCII.GetString(output.Written.ToArray()));
        Assert.Equal(
            "HTTP/1.1 431 Request Header Fields Too Large\r\n" +
            "Content-Type: application/json\r\n" +
            FixedDate +
            "Cache-Control: no-store\r\n" +
            "Content-Length: 1000000\r\n" +
            "Connection: keep-alive\r\n" +
            "Allow: GET, HEAD\r\n" +
            "\r\n" +
            new string('b', 1_000_000),
            text);
    }

    /// <summary>Writes a response and swaps its Date line (checked first) for a fixed one, so the rest can be compared byte for byte.</summary>
    private static string Render(Action<IBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return ReplaceDates(Encoding.Latin1.GetString(output.WrittenSpan));
    }

    private static string ReplaceDates(string text)
    {
        var result = new StringBuilder();
        var from = 0;
        int at;
        while ((at = text.IndexOf("\r\nDate: ", from, StringComparison.Ordinal)) >= 0)
        {
            var line = text.Substring(at + 2, DateHeader.Length);
            DateHeaderTests.AssertHeaderLine(line, DateTimeOffset.UtcNow);
            result.Append(text, from, at + 2 - from).Append(FixedDate);
            from = at + 2 + DateHeader.Length;
        }

        return result.Append(text, from, text.Length - from).ToString();
    }

    /// <summary>An <see cref="IBufferWriter{T}"/> that hands out exactly the size asked for (4 KiB for a hint of 0), nothing more.</summary>
    private sealed class ExactBufferWriter : IBufferWriter<byte>
    {
        private byte[] _current = [];

        public List<byte> Written { get; } = [];

        public void Advance(int count)
        {
            Assert.InRange(count, 0, _current.Length);
            Written.AddRange(_current.AsSpan(0, count));
            _current = [];
        }

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[sizeHint > 0 ? sizeHint : 4096];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
