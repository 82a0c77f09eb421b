using System.Buffers.Text;

namespace Ots.Protocol.Http;

/// <summary>
/// The <c>Date</c> header line (RFC 9110 §6.6.1), formatted once a second rather than per response.
/// Readers get an immutable array; the timer swaps in a new one, so no lock is needed.
/// </summary>
public static class DateHeader
{
    /// <summary><c>Date: </c> + IMF-fixdate (29 bytes) + CRLF.</summary>
    public const int Length = 6 + 29 + 2;

    private static byte[] s_current = Format(DateTimeOffset.UtcNow);

    // Never disposed: it lives as long as the process, like the cache it refreshes.
    private static readonly Timer s_timer = new(static _ => s_current = Format(DateTimeOffset.UtcNow), null, 1000, 1000);

    /// <summary>The current header line, CRLF included.</summary>
    public static ReadOnlySpan<byte> Current
    {
        get
        {
            GC.KeepAlive(s_timer);
            return Volatile.Read(ref s_current);
        }
    }

    /// <summary>Formats <paramref name="now"/> as a complete header line.</summary>
    public static byte[] Format(DateTimeOffset now)
    {
        var line = new byte[Length];
        "Date: "u8.CopyTo(line);
        Utf8Formatter.TryFormat(now, line.AsSpan(6), out _, new System.Buffers.StandardFormat('R'));
        "\r\n"u8.CopyTo(line.AsSpan(Length - 2));
        return line;
    }
}
