using System.Buffers;
using System.Text.Json;
using Ots.Protocol.Http;

namespace Ots.Protocol.Routes;

/// <summary>Why a <c>POST /generate</c> body was refused; each maps to one 400 body.</summary>
public enum CreateSecretError : byte
{
    /// <summary>Accepted.</summary>
    None,

    /// <summary>Missing or non-string <c>secret</c>/<c>phrase</c>, not an object, invalid JSON, a known field twice.</summary>
    ParametersRequired,

    /// <summary><c>ttl</c> neither an object nor null, or a non-empty object without any of the four members.</summary>
    TtlNotAnObject,

    /// <summary>A <c>ttl</c> member that is not a number, or is negative.</summary>
    TtlMemberInvalid,

    /// <summary>A <c>ttl</c> that adds up to zero.</summary>
    TtlNotPositive,
}

/// <summary>The fields of an accepted <c>POST /generate</c> body; the strings live in the caller's scratch buffer.</summary>
public readonly struct CreateSecretRequest
{
    /// <summary>Creates the request.</summary>
    public CreateSecretRequest(int secretLength, int phraseLength, long ttlMilliseconds)
    {
        SecretLength = secretLength;
        PhraseLength = phraseLength;
        TtlMilliseconds = ttlMilliseconds;
    }

    /// <summary>UTF-8 bytes of the secret, at the start of the scratch buffer.</summary>
    public int SecretLength { get; }

    /// <summary>UTF-8 bytes of the phrase, right after the secret.</summary>
    public int PhraseLength { get; }

    /// <summary>Time to live in milliseconds: at least 1, at most the configured maximum.</summary>
    public long TtlMilliseconds { get; }

    /// <summary>The secret within <paramref name="scratch"/>.</summary>
    public ReadOnlySpan<byte> Secret(ReadOnlySpan<byte> scratch) => scratch[..SecretLength];

    /// <summary>The phrase within <paramref name="scratch"/>.</summary>
    public ReadOnlySpan<byte> Phrase(ReadOnlySpan<byte> scratch) => scratch.Slice(SecretLength, PhraseLength);
}

/// <summary>The <c>POST /generate</c> route: reads <c>{"secret", "phrase", "ttl"}</c> and writes <c>{"secret_key"}</c>.</summary>
public static class CreateSecret
{
    private const double MillisecondsPerDay = 86_400_000;
    private const double MillisecondsPerHour = 3_600_000;
    private const double MillisecondsPerMinute = 60_000;
    private const double MillisecondsPerSecond = 1_000;

    // Longer than any number a client means (a double needs 24 characters, a decimal 30); longer ones are pooled.
    private const int MaxStackNumberLength = 64;

    /// <summary>Reads a request body under the contract's field rules (DESIGN §1).</summary>
    /// <param name="body">The complete body.</param>
    /// <param name="scratch">At least as long as <paramref name="body"/>; receives the unescaped secret then phrase.</param>
    /// <param name="ttl">The default and maximum time to live.</param>
    /// <param name="request">The accepted fields.</param>
    public static CreateSecretError TryRead(in ReadOnlySequence<byte> body, Span<byte> scratch, TtlPolicy ttl, out CreateSecretRequest request)
    {
        request = default;
        if (scratch.Length < body.Length)
        {
            ThrowHelper.ThrowBufferTooSmall(nameof(scratch));
        }

        if (!JsonBody.IsValidUtf8(body, scratch))
        {
            return CreateSecretError.ParametersRequired;
        }

        var reader = new Utf8JsonReader(body, JsonBody.ReaderOptions);
        int secretLength = -1, phraseLength = -1;
        var ttlMilliseconds = ttl.DefaultMilliseconds;
        var sawTtl = false;

        // Utf8JsonReader reports malformed JSON only by throwing JsonException; it is caught here, once, and
        // becomes the contract's 400. Nothing else in this method throws on client input.
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return CreateSecretError.ParametersRequired;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (JsonBody.NameEquals(ref reader, "secret"u8))
                {
                    if (secretLength >= 0 || !reader.Read())
                    {
                        return CreateSecretError.ParametersRequired;
                    }

                    if (!TryReadSecret(ref reader, scratch, phraseLength, out secretLength))
                    {
                        return CreateSecretError.ParametersRequired;
                    }
                }
                else if (JsonBody.NameEquals(ref reader, "phrase"u8))
                {
                    if (phraseLength >= 0 || !reader.Read())
                    {
                        return CreateSecretError.ParametersRequired;
                    }

                    var offset = Math.Max(secretLength, 0);
                    if (!JsonBody.TryCopyString(ref reader, scratch[offset..], out phraseLength))
                    {
                        return CreateSecretError.ParametersRequired;
                    }
                }
                else if (JsonBody.NameEquals(ref reader, "ttl"u8))
                {
                    if (sawTtl || !reader.Read())
                    {
                        return CreateSecretError.ParametersRequired;
                    }

                    sawTtl = true;
                    var error = TryReadTtl(ref reader, ttl, out ttlMilliseconds);
                    if (error != CreateSecretError.None)
                    {
                        return error;
                    }
                }
                else if (!reader.Read() || !reader.TrySkip())
                {
                    return CreateSecretError.ParametersRequired;
                }
            }

            // Anything after the object (a second value, garbage) makes this Read throw.
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return CreateSecretError.ParametersRequired;
            }
        }
        catch (JsonException)
        {
            return CreateSecretError.ParametersRequired;
        }

        if (secretLength < 0 || phraseLength < 0)
        {
            return CreateSecretError.ParametersRequired;
        }

        request = new CreateSecretRequest(secretLength, phraseLength, ttlMilliseconds);
        return CreateSecretError.None;
    }

    /// <summary>Reads the secret to the start of scratch, moving an already-read phrase up behind it.</summary>
    private static bool TryReadSecret(ref Utf8JsonReader reader, Span<byte> scratch, int phraseLength, out int secretLength)
    {
        if (phraseLength < 0)
        {
            return JsonBody.TryCopyString(ref reader, scratch, out secretLength);
        }

        // The phrase sits at scratch[0..phraseLength]. Unescaped, the secret is no longer than its token, so
        // reading it behind the phrase and rotating the two into place needs no second buffer.
        if (!JsonBody.TryCopyString(ref reader, scratch[phraseLength..], out secretLength))
        {
            return false;
        }

        var both = scratch[..(phraseLength + secretLength)];
        both[..phraseLength].Reverse();
        both[phraseLength..].Reverse();
        both.Reverse();
        return true;
    }

    /// <summary>
    /// Reads the <c>ttl</c> value: null or an object of <c>days</c>, <c>hours</c>, <c>minutes</c>, <c>seconds</c>
    /// (non-negative numbers, fractions allowed), summed in milliseconds, rounded up, clamped to the maximum.
    /// </summary>
    private static CreateSecretError TryReadTtl(ref Utf8JsonReader reader, TtlPolicy policy, out long milliseconds)
    {
        milliseconds = policy.DefaultMilliseconds;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return CreateSecretError.None;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return CreateSecretError.TtlNotAnObject;
        }

        double total = 0;
        decimal exact = 0; // The same sum without binary rounding, while every member fits a decimal.
        var exactValid = true;
        var seen = 0; // One bit per member: a member given twice is a 400 like any known field given twice.
        var anyMember = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            anyMember = true;
            var (bit, unit) =
                JsonBody.NameEquals(ref reader, "days"u8) ? (1, MillisecondsPerDay) :
                JsonBody.NameEquals(ref reader, "hours"u8) ? (2, MillisecondsPerHour) :
                JsonBody.NameEquals(ref reader, "minutes"u8) ? (4, MillisecondsPerMinute) :
                JsonBody.NameEquals(ref reader, "seconds"u8) ? (8, MillisecondsPerSecond) : (0, 0);

            if (!reader.Read())
            {
                return CreateSecretError.ParametersRequired;
            }

            if (bit == 0)
            {
                if (!reader.TrySkip())
                {
                    return CreateSecretError.ParametersRequired;
                }

                continue;
            }

            if ((seen & bit) != 0)
            {
                return CreateSecretError.ParametersRequired;
            }

            seen |= bit;
            if (!TryReadMember(ref reader, out var value, out var member, out var memberIsDecimal))
            {
                return CreateSecretError.TtlMemberInvalid;
            }

            // Doubles saturate to +Infinity rather than wrap, so huge values clamp below instead of overflowing.
            total += value * unit;

            // A decimal literal times a unit is exact in decimal but not in double: 1.1 days is 95 040 000 ms, and
            // the double product (95 040 000.00000001) would round up one millisecond too far.
            if (exactValid && value * unit < policy.MaxMilliseconds && memberIsDecimal)
            {
                exact += member * (decimal)unit;
            }
            else
            {
                exactValid = false;
            }
        }

        if (seen == 0)
        {
            // {} means the default; {"foo": 1} names none of the members and is refused.
            return anyMember ? CreateSecretError.TtlNotAnObject : CreateSecretError.None;
        }

        if (!(total > 0))
        {
            return CreateSecretError.TtlNotPositive;
        }

        if (total >= policy.MaxMilliseconds)
        {
            milliseconds = policy.MaxMilliseconds;
            return CreateSecretError.None;
        }

        // Rounded up, and at least 1 ms: a positive total too small for a decimal (1e-300 seconds) reads as 0 there.
        var rounded = exactValid ? (long)Math.Ceiling(Math.Min(exact, policy.MaxMilliseconds)) : (long)Math.Ceiling(total);
        milliseconds = Math.Clamp(rounded, 1, policy.MaxMilliseconds);
        return CreateSecretError.None;
    }

    /// <summary>
    /// Reads a <c>ttl</c> member: a non-negative number as a double, and as a decimal when it fits one. A number split
    /// across segments is parsed from a contiguous copy, because <see cref="Utf8JsonReader.TryGetDouble"/> and
    /// <see cref="Utf8JsonReader.TryGetDecimal"/> copy <see cref="Utf8JsonReader.ValueSequence"/> to a new array on
    /// every call: the only per-request allocation a split body caused.
    /// </summary>
    private static bool TryReadMember(ref Utf8JsonReader reader, out double value, out decimal exact, out bool isDecimal)
    {
        if (!reader.HasValueSequence || reader.TokenType != JsonTokenType.Number)
        {
            return TryReadNumber(ref reader, out value, out exact, out isDecimal);
        }

        // Any literal fits on the stack but a pathological one (the body limit bounds it); that one is pooled.
        var length = (int)reader.ValueSequence.Length;
        byte[]? rented = null;
        Span<byte> bytes = length <= MaxStackNumberLength
            ? stackalloc byte[MaxStackNumberLength]
            : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            bytes = bytes[..length];
            reader.ValueSequence.CopyTo(bytes);

            // The outer reader has validated the token, so a reader over its bytes alone sees one complete number and
            // parses it with the same code.
            var number = new Utf8JsonReader(bytes, JsonBody.ReaderOptions);
            number.Read();
            return TryReadNumber(ref number, out value, out exact, out isDecimal);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryReadNumber(ref Utf8JsonReader reader, out double value, out decimal exact, out bool isDecimal)
    {
        exact = 0;
        isDecimal = false;
        if (!TryReadNonNegative(ref reader, out value))
        {
            return false;
        }

        isDecimal = reader.TryGetDecimal(out exact);
        return true;
    }

    private static bool TryReadNonNegative(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        if (reader.TokenType != JsonTokenType.Number)
        {
            return false;
        }

        // A number too large for a double (1e400) is still a valid JSON number: it means "as long as allowed".
        // A number split across segments is in ValueSequence, and ValueSpan is then empty.
        var negative = reader.HasValueSequence
            ? new SequenceReader<byte>(reader.ValueSequence).IsNext((byte)'-')
            : reader.ValueSpan.Length > 0 && reader.ValueSpan[0] == (byte)'-';
        if (!reader.TryGetDouble(out value) || double.IsInfinity(value))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
        }

        return value >= 0; // -0 is zero, and allowed.
    }

    /// <summary>The 201 body, <c>{"secret_key":"…"}</c>: the key is base64url and needs no escaping.</summary>
    public static int WriteCreatedBody(ReadOnlySpan<byte> secretKey, Span<byte> output)
    {
        "{\"secret_key\":\""u8.CopyTo(output);
        secretKey.CopyTo(output[15..]);
        "\"}"u8.CopyTo(output[(15 + secretKey.Length)..]);
        return 15 + secretKey.Length + 2;
    }

    /// <summary>Bytes <see cref="WriteCreatedBody"/> needs for a key of <paramref name="keyLength"/> bytes.</summary>
    public static int CreatedBodyLength(int keyLength) => 15 + keyLength + 2;
}
