using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>The invalid-input table (DESIGN §1, "Edge cases, decided"): the exact reason and its status, in every segmentation.</summary>
public class Http1ParserInvalidTests
{
    private const string Host = "Host: a\r\n";

    private static readonly Dictionary<string, (string Request, RejectReason Reason, HttpStatus Status)> s_cases = new()
    {
        // Request line (RFC 9112 §3): method SP origin-form SP HTTP-version.
        ["double space after the method"] = ("GET  /healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["double space before the version"] = ("GET /healthz  HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["leading space"] = (" GET /healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["trailing space"] = ("GET /healthz HTTP/1.1 \r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["tab as separator"] = ("GET\t/healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["missing version"] = ("GET /healthz\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["missing target"] = ("GET HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["empty request line after CRLF"] = ("\r\n \r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["lowercase http/1.1"] = ("GET /healthz http/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["HTTP/1.10"] = ("GET /healthz HTTP/1.10\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["HTTP/1"] = ("GET /healthz HTTP/1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["target not starting with /"] = ("GET healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["asterisk-form"] = ("OPTIONS * HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["absolute-form"] = ("GET http://a/healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["authority-form"] = ("CONNECT a:443 HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["# in the target"] = ("GET /healthz#x HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["control byte in the target"] = ("GET /heal\u0001thz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["NUL in the target"] = ("POST /secrets/a\0b HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["DEL in the target"] = ("GET /healthz\u007f HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["non-ASCII byte in the target"] = ("GET /caf\u00e9 HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["bare CR in the target"] = ("GET /a\rb HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["control byte in the method"] = ("G\u0001T /healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["non-token method"] = ("GE(T /healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["control byte in the version"] = ("GET /healthz HTTP/1.1\u0001\r\n" + Host + "\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),

        // Versions other than 1.0 and 1.1.
        ["HTTP/2.0"] = ("GET /healthz HTTP/2.0\r\n" + Host + "\r\n", RejectReason.UnsupportedHttpVersion, HttpStatus.HttpVersionNotSupported),
        ["HTTP/1.2"] = ("GET /healthz HTTP/1.2\r\n" + Host + "\r\n", RejectReason.UnsupportedHttpVersion, HttpStatus.HttpVersionNotSupported),
        ["HTTP/0.9"] = ("GET /healthz HTTP/0.9\r\n" + Host + "\r\n", RejectReason.UnsupportedHttpVersion, HttpStatus.HttpVersionNotSupported),
        ["HTTP/3.0"] = ("GET /healthz HTTP/3.0\r\n" + Host + "\r\n", RejectReason.UnsupportedHttpVersion, HttpStatus.HttpVersionNotSupported),
        ["HTTP/2 prior-knowledge preface"] = ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", RejectReason.UnsupportedHttpVersion, HttpStatus.HttpVersionNotSupported),

        // Line endings (RFC 9112 §2.2).
        ["bare LF after the request line"] = ("GET /healthz HTTP/1.1\n" + Host + "\r\n", RejectReason.BareLineFeed, HttpStatus.BadRequest),
        ["bare LF after a header"] = ("GET /healthz HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", RejectReason.BareLineFeed, HttpStatus.BadRequest),
        ["bare LF as the empty line"] = ("GET /healthz HTTP/1.1\r\n" + Host + "\n", RejectReason.BareLineFeed, HttpStatus.BadRequest),
        ["bare LF before the request line"] = ("\nGET /healthz HTTP/1.1\r\n" + Host + "\r\n", RejectReason.BareLineFeed, HttpStatus.BadRequest),
        ["LF only everywhere"] = ("GET /healthz HTTP/1.1\nHost: a\n\n", RejectReason.BareLineFeed, HttpStatus.BadRequest),

        // Header fields (RFC 9112 §5).
        ["obs-fold with a space"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X: a\r\n b\r\n\r\n", RejectReason.ObsoleteLineFolding, HttpStatus.BadRequest),
        ["obs-fold with a tab"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X: a\r\n\tb\r\n\r\n", RejectReason.ObsoleteLineFolding, HttpStatus.BadRequest),
        ["whitespace before the first field"] = ("GET /healthz HTTP/1.1\r\n " + Host + "\r\n", RejectReason.ObsoleteLineFolding, HttpStatus.BadRequest),
        ["space before the colon"] = ("GET /healthz HTTP/1.1\r\nHost : a\r\n\r\n", RejectReason.InvalidHeaderName, HttpStatus.BadRequest),
        ["tab before the colon"] = ("GET /healthz HTTP/1.1\r\n" + Host + "Content-Length\t: 1\r\n\r\n", RejectReason.InvalidHeaderName, HttpStatus.BadRequest),
        ["empty header name"] = ("GET /healthz HTTP/1.1\r\n" + Host + ": a\r\n\r\n", RejectReason.InvalidHeaderName, HttpStatus.BadRequest),
        ["no colon"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X-No-Colon\r\n\r\n", RejectReason.InvalidHeaderName, HttpStatus.BadRequest),
        ["non-token name"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X(y): a\r\n\r\n", RejectReason.InvalidHeaderName, HttpStatus.BadRequest),
        ["control byte in the name"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X\u0001Y: a\r\n\r\n", RejectReason.InvalidHeaderName, HttpStatus.BadRequest),
        ["control byte in a value"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X: a\u0001b\r\n\r\n", RejectReason.InvalidHeaderValue, HttpStatus.BadRequest),
        ["NUL in a value"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X: a\0\r\n\r\n", RejectReason.InvalidHeaderValue, HttpStatus.BadRequest),
        ["DEL in a value"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X: \u007f\r\n\r\n", RejectReason.InvalidHeaderValue, HttpStatus.BadRequest),
        ["bare CR in a value"] = ("GET /healthz HTTP/1.1\r\n" + Host + "X: a\rb\r\n\r\n", RejectReason.InvalidHeaderValue, HttpStatus.BadRequest),
        ["control byte in the Host value"] = ("GET /healthz HTTP/1.1\r\nHost: a\u001b\r\n\r\n", RejectReason.InvalidHeaderValue, HttpStatus.BadRequest),

        // Host (RFC 9112 §3.2).
        ["HTTP/1.1 without Host"] = ("GET /healthz HTTP/1.1\r\nX: a\r\n\r\n", RejectReason.InvalidHost, HttpStatus.BadRequest),
        ["HTTP/1.1 without any field"] = ("GET /healthz HTTP/1.1\r\n\r\n", RejectReason.InvalidHost, HttpStatus.BadRequest),
        ["two Host fields"] = ("GET /healthz HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", RejectReason.InvalidHost, HttpStatus.BadRequest),
        ["two Host fields on HTTP/1.0"] = ("GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", RejectReason.InvalidHost, HttpStatus.BadRequest),

        // Content-Length (RFC 9110 §8.6): 1*DIGIT, once.
        ["Content-Length with a plus sign"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: +5\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length with a minus sign"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: -5\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length with a space inside"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 1 0\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length with letters"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 1a\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length hexadecimal"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 0x10\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length empty"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length:\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length blank"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length:   \r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length decimal point"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 5.0\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length long.MaxValue + 1"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 9223372036854775808\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length 20 nines"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 99999999999999999999\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length 2^64 + 5 wraps to 5 if unchecked"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 18446744073709551621\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length list 5, 5"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 5, 5\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["Content-Length list 5,5"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 5,5\r\n\r\n", RejectReason.InvalidContentLength, HttpStatus.BadRequest),
        ["two identical Content-Length"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", RejectReason.MultipleContentLength, HttpStatus.BadRequest),
        ["two different Content-Length"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 5\r\ncontent-length: 6\r\n\r\n", RejectReason.MultipleContentLength, HttpStatus.BadRequest),
        ["Content-Length then Transfer-Encoding"] = ("POST /generate HTTP/1.1\r\n" + Host + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", RejectReason.ContentLengthWithTransferEncoding, HttpStatus.BadRequest),
        ["Transfer-Encoding then Content-Length"] = ("POST /generate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n" + Host + "Content-Length: 0\r\n\r\n", RejectReason.ContentLengthWithTransferEncoding, HttpStatus.BadRequest),

        // Transfer-Encoding (RFC 9112 §6.1): one field, exactly "chunked", HTTP/1.1 only.
        ["Transfer-Encoding on HTTP/1.0"] = ("POST /generate HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", RejectReason.TransferEncodingOnHttp10, HttpStatus.BadRequest),
        ["Transfer-Encoding gzip"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding: gzip\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),
        ["Transfer-Encoding gzip, chunked"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding: gzip, chunked\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),
        ["Transfer-Encoding chunked, chunked"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked, chunked\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),
        ["Transfer-Encoding identity"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding: identity\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),
        ["Transfer-Encoding empty"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding:\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),
        ["two Transfer-Encoding fields"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),
        ["Transfer-Encoding gzip then chunked fields"] = ("POST /generate HTTP/1.1\r\n" + Host + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", RejectReason.UnsupportedTransferEncoding, HttpStatus.NotImplemented),

        // Expect (RFC 9110 §10.1.1).
        ["Expect other than 100-continue"] = ("POST /generate HTTP/1.1\r\n" + Host + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\n", RejectReason.UnsupportedExpectation, HttpStatus.ExpectationFailed),
        ["Expect 100-continue with a parameter"] = ("POST /generate HTTP/1.1\r\n" + Host + "Expect: 100-continue; x=1\r\nContent-Length: 1\r\n\r\n", RejectReason.UnsupportedExpectation, HttpStatus.ExpectationFailed),
        ["Expect empty"] = ("POST /generate HTTP/1.1\r\n" + Host + "Expect:\r\n\r\n", RejectReason.UnsupportedExpectation, HttpStatus.ExpectationFailed),

        // Not HTTP at all: refused at once, without waiting for a line feed.
        ["TLS ClientHello"] = ("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["TLS record header only"] = ("\u0016\u0003\u0001", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["NUL bytes"] = ("\0\0\0\0", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["method then a control byte"] = ("GET\u0001", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["space first"] = (" ", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["CR then garbage"] = ("\r\u0016\u0003", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
        ["RESP array"] = ("*1\r\n$4\r\nPING\r\n", RejectReason.InvalidRequestLine, HttpStatus.BadRequest),
    };

    public static TheoryData<string> Cases => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rejects_with_the_exact_reason_and_status(string name)
    {
        var (request, reason, status) = s_cases[name];
        var bytes = Sequences.Bytes(request);
        Assert.Equal(status, Rejections.StatusOf(reason));
        foreach (var (shape, sequence) in Sequences.AllShapes(bytes))
        {
            var result = HeadParse.Run(sequence);
            Assert.True(result.Status == ParseStatus.Invalid && result.Reason == reason, $"{shape}: {result.Status} {result.Reason}");
            Assert.True(result.HeadLength == 0, shape + ": head length " + result.HeadLength);
        }
    }

    [Fact]
    public void Garbage_is_refused_from_its_first_byte()
    {
        // A TLS hello or a binary protocol never gets a line feed in time: waiting would hold the connection to the header timeout.
        foreach (var first in new byte[] { 0x16, 0x00, 0x80, 0xFF, (byte)' ', (byte)'\t', (byte)'\u007f' })
        {
            var result = HeadParse.Run([first]);
            Assert.True(result.Status == ParseStatus.Invalid && result.Reason == RejectReason.InvalidRequestLine, $"0x{first:X2}: {result.Status} {result.Reason}");
        }
    }
}
