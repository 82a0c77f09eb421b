using System.Buffers;
using System.Globalization;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>Each framing limit at N (accepted) and N+1 (rejected with its reason), complete and still arriving.</summary>
public class Http1ParserLimitTests
{
    /// <summary>A request line of exactly <paramref name="length"/> bytes, CRLF excluded.</summary>
    private static string RequestLine(int length)
    {
        const string Prefix = "GET /";
        const string Suffix = " HTTP/1.1";
        return Prefix + new string('a', length - Prefix.Length - Suffix.Length) + Suffix;
    }

    /// <summary>A header section of exactly <paramref name="length"/> bytes, the empty line included.</summary>
    private static string HeaderSection(int length)
    {
        const string Fixed = "Host: a\r\nX: \r\n\r\n";
        return "Host: a\r\nX: " + new string('v', length - Fixed.Length) + "\r\n\r\n";
    }

    private static void AssertStatus(byte[] request, ParseStatus status, RejectReason reason, long maxBodyBytes = HttpLimits.DefaultMaxBodyBytes)
    {
        foreach (var sequence in new[] { new ReadOnlySequence<byte>(request), Sequences.BytePerSegment(request), Sequences.SplitAt(request, request.Length / 2) })
        {
            var result = HeadParse.Run(sequence, maxBodyBytes);
            Assert.Equal((status, reason), (result.Status, result.Reason));
            Assert.Equal(status == ParseStatus.Complete ? request.Length : 0, result.HeadLength);
        }
    }

    [Fact]
    public void Request_line_of_exactly_the_limit_is_accepted()
    {
        var line = RequestLine(HttpLimits.MaxRequestLineBytes);
        Assert.Equal(HttpLimits.MaxRequestLineBytes, line.Length);
        AssertStatus(Sequences.Bytes(line + "\r\nHost: a\r\n\r\n"), ParseStatus.Complete, RejectReason.None);
    }

    [Fact]
    public void Request_line_one_over_the_limit_is_414()
    {
        var line = RequestLine(HttpLimits.MaxRequestLineBytes + 1);
        AssertStatus(Sequences.Bytes(line + "\r\nHost: a\r\n\r\n"), ParseStatus.Invalid, RejectReason.RequestLineTooLong);
        AssertStatus(Sequences.Bytes(line + "\r\n"), ParseStatus.Invalid, RejectReason.RequestLineTooLong);
        Assert.Equal(HttpStatus.UriTooLong, Rejections.StatusOf(RejectReason.RequestLineTooLong));
    }

    [Fact]
    public void Request_line_still_arriving_is_incomplete_up_to_the_limit_and_414_past_it()
    {
        var atLimit = RequestLine(HttpLimits.MaxRequestLineBytes);
        AssertStatus(Sequences.Bytes(atLimit), ParseStatus.Incomplete, RejectReason.None);
        AssertStatus(Sequences.Bytes(atLimit + "\r"), ParseStatus.Incomplete, RejectReason.None);

        var over = RequestLine(HttpLimits.MaxRequestLineBytes + 1);
        AssertStatus(Sequences.Bytes(over), ParseStatus.Invalid, RejectReason.RequestLineTooLong);
        AssertStatus(Sequences.Bytes(over + "\r"), ParseStatus.Invalid, RejectReason.RequestLineTooLong);
        AssertStatus(Sequences.Bytes(over + "aaaaaaaa"), ParseStatus.Invalid, RejectReason.RequestLineTooLong);
    }

    [Fact]
    public void Request_line_at_the_limit_after_an_empty_line_is_accepted()
    {
        var line = RequestLine(HttpLimits.MaxRequestLineBytes);
        AssertStatus(Sequences.Bytes("\r\n" + line + "\r\nHost: a\r\n\r\n"), ParseStatus.Complete, RejectReason.None);
        AssertStatus(Sequences.Bytes("\r\n" + line + "\r"), ParseStatus.Incomplete, RejectReason.None);
    }

    [Fact]
    public void Empty_lines_before_the_request_line_cannot_grow_without_bound()
    {
        // Skipped empty lines are never consumed while the head is incomplete: without a bound they pile up in the buffer.
        var flood = string.Concat(Enumerable.Repeat("\r\n", HttpLimits.MaxRequestLineBytes));
        var result = HeadParse.Run(Sequences.Bytes(flood));
        Assert.Equal((ParseStatus.Invalid, RejectReason.RequestLineTooLong), (result.Status, result.Reason));
    }

    [Fact]
    public void Header_section_of_exactly_the_limit_is_accepted()
    {
        var headers = HeaderSection(HttpLimits.MaxHeaderBytes);
        Assert.Equal(HttpLimits.MaxHeaderBytes, headers.Length);
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + headers), ParseStatus.Complete, RejectReason.None);
    }

    [Fact]
    public void Header_section_one_over_the_limit_is_431()
    {
        var headers = HeaderSection(HttpLimits.MaxHeaderBytes + 1);
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + headers), ParseStatus.Invalid, RejectReason.HeadersTooLarge);
        Assert.Equal(HttpStatus.RequestHeaderFieldsTooLarge, Rejections.StatusOf(RejectReason.HeadersTooLarge));
    }

    [Fact]
    public void Header_section_still_arriving_is_431_once_past_the_limit()
    {
        // N+1 bytes of header section without its end: it can only get longer.
        var partial = "Host: a\r\nX: " + new string('v', HttpLimits.MaxHeaderBytes + 1 - "Host: a\r\nX: ".Length);
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + partial), ParseStatus.Invalid, RejectReason.HeadersTooLarge);

        // A section of exactly N bytes minus its last LF is a strict prefix of a valid head.
        var atLimit = HeaderSection(HttpLimits.MaxHeaderBytes);
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + atLimit[..^1]), ParseStatus.Incomplete, RejectReason.None);
    }

    [Fact]
    public void Header_section_limit_does_not_count_the_request_line()
    {
        var request = RequestLine(HttpLimits.MaxRequestLineBytes) + "\r\n" + HeaderSection(HttpLimits.MaxHeaderBytes);
        AssertStatus(Sequences.Bytes(request), ParseStatus.Complete, RejectReason.None);
    }

    [Fact]
    public void Many_small_fields_count_towards_the_header_section_limit()
    {
        // 99 fields plus Host stay under the count limit; their bytes go over the size limit.
        var fields = string.Concat(Enumerable.Range(0, HttpLimits.MaxHeaderCount - 1).Select(i => "X-" + i.ToString("D2", CultureInfo.InvariantCulture) + ": " + new string('v', 400) + "\r\n"));
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"), ParseStatus.Invalid, RejectReason.HeadersTooLarge);
    }

    [Fact]
    public void Exactly_the_maximum_number_of_fields_is_accepted()
    {
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + Fields(HttpLimits.MaxHeaderCount) + "\r\n"), ParseStatus.Complete, RejectReason.None);
    }

    [Fact]
    public void One_field_over_the_maximum_is_431()
    {
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + Fields(HttpLimits.MaxHeaderCount + 1) + "\r\n"), ParseStatus.Invalid, RejectReason.TooManyHeaders);
        AssertStatus(Sequences.Bytes("GET /healthz HTTP/1.1\r\n" + Fields(HttpLimits.MaxHeaderCount + 1)), ParseStatus.Invalid, RejectReason.TooManyHeaders);
        Assert.Equal(HttpStatus.RequestHeaderFieldsTooLarge, Rejections.StatusOf(RejectReason.TooManyHeaders));
    }

    [Fact]
    public void Content_length_of_exactly_the_body_limit_is_accepted()
    {
        var length = HttpLimits.DefaultMaxBodyBytes.ToString(CultureInfo.InvariantCulture);
        AssertStatus(Sequences.Bytes("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: " + length + "\r\n\r\n"), ParseStatus.Complete, RejectReason.None);
        AssertStatus(Sequences.Bytes("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n"), ParseStatus.Complete, RejectReason.None, maxBodyBytes: 10);
        AssertStatus(Sequences.Bytes("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"), ParseStatus.Complete, RejectReason.None, maxBodyBytes: 0);
    }

    [Fact]
    public void Content_length_one_over_the_body_limit_is_413_before_any_body_byte()
    {
        var length = (HttpLimits.DefaultMaxBodyBytes + 1).ToString(CultureInfo.InvariantCulture);
        AssertStatus(Sequences.Bytes("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: " + length + "\r\n\r\n"), ParseStatus.Invalid, RejectReason.BodyTooLarge);
        AssertStatus(Sequences.Bytes("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n"), ParseStatus.Invalid, RejectReason.BodyTooLarge, maxBodyBytes: 10);
        AssertStatus(Sequences.Bytes("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n"), ParseStatus.Invalid, RejectReason.BodyTooLarge);
        Assert.Equal(HttpStatus.ContentTooLarge, Rejections.StatusOf(RejectReason.BodyTooLarge));
    }

    [Fact]
    public void Body_limit_is_checked_before_routing()
    {
        var length = (HttpLimits.DefaultMaxBodyBytes + 1).ToString(CultureInfo.InvariantCulture);
        AssertStatus(Sequences.Bytes("POST /nope HTTP/1.1\r\nHost: a\r\nContent-Length: " + length + "\r\n\r\n"), ParseStatus.Invalid, RejectReason.BodyTooLarge);
    }

    private static string Fields(int count) =>
        "Host: a\r\n" + string.Concat(Enumerable.Range(1, count - 1).Select(i => "X-" + i.ToString(CultureInfo.InvariantCulture) + ": v\r\n"));
}
