using System.Buffers;
using System.Text.Json;

namespace Ots.Protocol.Routes;

/// <summary>The <c>POST /secrets/{secret_key}</c> route: reads <c>{"phrase"}</c> and writes <c>{"secret"}</c>.</summary>
public static class RevealSecret
{
    private static ReadOnlySpan<byte> SecretPrefix => "{\"secret\":\""u8;

    /// <summary>
    /// Reads the phrase into <paramref name="scratch"/> (at least as long as the body). False for a missing or
    /// non-string phrase, a phrase given twice, a body that is not one JSON object, or invalid JSON.
    /// </summary>
    public static bool TryRead(in ReadOnlySequence<byte> body, Span<byte> scratch, out int phraseLength)
    {
        phraseLength = -1;
        if (scratch.Length < body.Length)
        {
            ThrowHelper.ThrowBufferTooSmall(nameof(scratch));
        }

        if (!JsonBody.IsValidUtf8(body, scratch))
        {
            return false;
        }

        var reader = new Utf8JsonReader(body, JsonBody.ReaderOptions);

        // Malformed JSON surfaces only as JsonException from the BCL reader: caught here and answered 400.
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (JsonBody.NameEquals(ref reader, "phrase"u8))
                {
                    if (phraseLength >= 0 || !reader.Read() || !JsonBody.TryCopyString(ref reader, scratch, out phraseLength))
                    {
                        phraseLength = -1;
                        return false;
                    }
                }
                else if (!reader.Read() || !reader.TrySkip())
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                phraseLength = -1;
                return false;
            }
        }
        catch (JsonException)
        {
            phraseLength = -1;
            return false;
        }

        return phraseLength >= 0;
    }

    /// <summary>The largest 200 body for a secret of <paramref name="secretLength"/> bytes.</summary>
    public static int MaxRevealedBodyLength(int secretLength) => JsonBody.MaxObjectLength(SecretPrefix.Length, secretLength);

    /// <summary>Writes the 200 body <c>{"secret":"…"}</c>, escaping the secret as JSON requires; returns its length.</summary>
    public static int WriteRevealedBody(ReadOnlySpan<byte> secret, Span<byte> output) =>
        JsonBody.WriteStringObject(SecretPrefix, secret, output);
}
