using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Ots.Protocol.Routes;

/// <summary>What the two route readers share: reader options, string copying with the contract's rules, string escaping.</summary>
internal static class JsonBody
{
    /// <summary>
    /// Strict RFC 8259: no comments, no trailing commas (both are the defaults, restated because the contract
    /// depends on them); a small depth, since only <c>ttl</c> nests and unknown members are skipped.
    /// </summary>
    public static readonly JsonReaderOptions ReaderOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    /// <summary>
    /// Escapes only what JSON requires (quote, backslash, control characters) and leaves other text as UTF-8:
    /// the body is served as <c>application/json</c>, never embedded in HTML, so HTML-safe escaping buys nothing.
    /// </summary>
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    // Longer than any member name the API knows; a longer escaped name is checked in a pooled buffer.
    private const int MaxStackNameLength = 64;

    /// <summary>
    /// Whether the whole body is UTF-8 (RFC 8259 §8.1). <see cref="Utf8JsonReader"/> does not check strings it only
    /// skips, so without this an ignored field could carry invalid UTF-8. A body split across segments is checked
    /// in <paramref name="scratch"/> (as long as the body; the strings overwrite it afterwards).
    /// </summary>
    public static bool IsValidUtf8(in ReadOnlySequence<byte> body, Span<byte> scratch)
    {
        if (body.IsSingleSegment)
        {
            return Utf8.IsValid(body.FirstSpan);
        }

        var copy = scratch[..(int)body.Length];
        body.CopyTo(copy);
        return Utf8.IsValid(copy);
    }

    /// <summary>
    /// <see cref="Utf8JsonReader.ValueTextEquals(ReadOnlySpan{byte})"/> for a member name, with the contract's answer for
    /// a name whose escapes are not valid UTF-16 (a lone surrogate such as <c>"\ud800"</c>): a
    /// <see cref="JsonException"/>, which every reader answers with 400. The BCL throws
    /// <see cref="InvalidOperationException"/> there instead, and only for some names (it may compare lengths first),
    /// so the readers let it out: the edge dropped the connection unanswered and logged an error, for any client
    /// (found by fuzz/Ots.Fuzz). An escaped name is therefore unescaped once to check it; names are rarely escaped.
    /// </summary>
    public static bool NameEquals(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        if (reader.ValueIsEscaped)
        {
            ThrowIfInvalidEscapes(ref reader);
        }

        return reader.ValueTextEquals(name);
    }

    private static void ThrowIfInvalidEscapes(ref Utf8JsonReader reader)
    {
        // Unescaping never lengthens a string: its raw length bounds the copy.
        var length = checked((int)(reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length));
        byte[]? rented = null;
        Span<byte> buffer = length <= MaxStackNameLength ? stackalloc byte[MaxStackNameLength] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            reader.CopyString(buffer);
        }
        catch (InvalidOperationException exception)
        {
            throw new JsonException("A member name is not valid Unicode.", exception);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Copies the current string token, unescaped, into <paramref name="destination"/>. False for a token that is
    /// not a string, or whose text is not valid Unicode (invalid UTF-8, a lone surrogate escape such as <c>"\ud800"</c>).
    /// </summary>
    public static bool TryCopyString(ref Utf8JsonReader reader, Span<byte> destination, out int length)
    {
        length = 0;
        if (reader.TokenType != JsonTokenType.String)
        {
            return false;
        }

        // Unescaping never lengthens a string, so the caller's buffer (as large as the body) always has room.
        // CopyString throws InvalidOperationException for an escape that is not valid UTF-16 (a lone surrogate).
        try
        {
            length = reader.CopyString(destination);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        // The reader does not validate UTF-8 in unescaped strings; a secret must round-trip as text.
        return Utf8.IsValid(destination[..length]);
    }

    /// <summary>
    /// Writes <c>{"name":"value"}</c> to <paramref name="output"/> with <paramref name="value"/> escaped as needed.
    /// Returns the bytes written; the caller sizes the output with <see cref="MaxObjectLength"/>.
    /// </summary>
    public static int WriteStringObject(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> value, Span<byte> output)
    {
        prefix.CopyTo(output);
        var written = prefix.Length;
        if (Encoder.FindFirstCharacterToEncodeUtf8(value) < 0)
        {
            value.CopyTo(output[written..]);
            written += value.Length;
        }
        else
        {
            var status = Encoder.EncodeUtf8(value, output[written..], out _, out var escaped);
            if (status != OperationStatus.Done)
            {
                ThrowHelper.ThrowEncodingFailed(status);
            }

            written += escaped;
        }

        "\"}"u8.CopyTo(output[written..]);
        return written + 2;
    }

    /// <summary>The largest <see cref="WriteStringObject"/> result: every byte may become a six-byte <c>\uXXXX</c>.</summary>
    public static int MaxObjectLength(int prefixLength, int valueLength) =>
        prefixLength + (JsonConstants.MaxExpansionFactor * valueLength) + 2;

    private static class JsonConstants
    {
        public const int MaxExpansionFactor = 6;
    }
}
