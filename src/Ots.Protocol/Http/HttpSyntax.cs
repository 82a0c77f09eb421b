using System.Buffers;

namespace Ots.Protocol.Http;

/// <summary>Character classes of RFC 9110/9112, as vectorised <see cref="SearchValues{T}"/>.</summary>
internal static class HttpSyntax
{
    /// <summary>tchar (RFC 9110 §5.6.2): what a method and a header name are made of.</summary>
    public static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>field-vchar, SP and HTAB (RFC 9110 §5.5), obs-text included: every byte but CTLs (HTAB allowed) and DEL.</summary>
    public static readonly SearchValues<byte> FieldValueChars = SearchValues.Create(FieldValueBytes());

    /// <summary>What a request-target may contain: visible ASCII without '#', which never travels in a request (RFC 9112 §3.2).</summary>
    public static readonly SearchValues<byte> TargetChars = SearchValues.Create(TargetBytes());

    /// <summary>Hexadecimal digits of a chunk size.</summary>
    public static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789ABCDEFabcdef"u8);

    /// <summary>SP and HTAB: optional whitespace (RFC 9110 §5.6.3).</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t"u8;

    /// <summary>Returns <paramref name="value"/> without leading and trailing SP/HTAB.</summary>
    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value) => value.Trim(Whitespace);

    private static byte[] FieldValueBytes()
    {
        var bytes = new List<byte>(256) { (byte)'\t' };
        for (var b = 0x20; b <= 0xFF; b++)
        {
            if (b != 0x7F)
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }

    private static byte[] TargetBytes()
    {
        var bytes = new List<byte>(94);
        for (var b = 0x21; b <= 0x7E; b++)
        {
            if (b != '#')
            {
                bytes.Add((byte)b);
            }
        }

        return [.. bytes];
    }
}
