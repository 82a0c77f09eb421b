using System.Globalization;
using System.Text;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>The cached <c>Date</c> line (RFC 9110 §5.6.7 IMF-fixdate).</summary>
public class DateHeaderTests
{
    [Fact]
    public void Formats_the_RFC_example_exactly()
    {
        var line = DateHeader.Format(new DateTimeOffset(1994, 11, 6, 8, 49, 37, TimeSpan.Zero));
        Assert.Equal("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", Encoding.ASCII.GetString(line));
        Assert.Equal(DateHeader.Length, line.Length);
    }

    [Fact]
    public void Formats_in_GMT_whatever_the_offset()
    {
        var line = DateHeader.Format(new DateTimeOffset(1994, 11, 6, 10, 49, 37, TimeSpan.FromHours(2)));
        Assert.Equal("Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n", Encoding.ASCII.GetString(line));
    }

    [Fact]
    public void Pads_single_digit_fields()
    {
        var line = DateHeader.Format(new DateTimeOffset(2001, 1, 2, 3, 4, 5, TimeSpan.Zero));
        Assert.Equal("Date: Tue, 02 Jan 2001 03:04:05 GMT\r\n", Encoding.ASCII.GetString(line));
    }

    [Fact]
    public void Current_is_a_complete_line_for_about_now()
    {
        AssertHeaderLine(Encoding.ASCII.GetString(DateHeader.Current), DateTimeOffset.UtcNow);
    }

    /// <summary>A <c>Date: IMF-fixdate CRLF</c> line within a few seconds of <paramref name="now"/>.</summary>
    internal static void AssertHeaderLine(string line, DateTimeOffset now)
    {
        Assert.Equal(DateHeader.Length, line.Length);
        Assert.StartsWith("Date: ", line, StringComparison.Ordinal);
        Assert.EndsWith(" GMT\r\n", line, StringComparison.Ordinal);
        var parsed = DateTimeOffset.ParseExact(line[6..^2], "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange((now - parsed).Duration(), TimeSpan.Zero, TimeSpan.FromSeconds(5));
    }
}
