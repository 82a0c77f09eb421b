using System.Text.Json;

namespace Ots.Twin;

/// <summary>The contract's constants, error bodies and TTL rules (DESIGN §1), as the twin spells them.</summary>
internal static class Api
{
    public const int MaxBodyBytes = 128 * 1024;
    public const int MaxPhraseAttempts = 5;
    public const string GenerateParametersRequired = "Required parameters: phrase, secret.";
    public const string RevealParametersRequired = "Required parameters: phrase.";
    public const string TtlNotAnObject = "Invalid ttl: expected an object with days, hours, minutes or seconds.";
    public const string TtlMemberInvalid = "Invalid ttl: days, hours, minutes and seconds must be non-negative numbers.";
    public const string TtlNotPositive = "Invalid ttl: the total must be greater than zero.";
    public const string KeyNotFound = "Key not found";
    public const string IncorrectPhrase = "Incorrect phrase";
    public const string ServiceUnavailable = "Service unavailable";

    private static readonly TimeSpan s_maxTtl = TimeSpan.FromDays(7);

    public static IResult Error(int status, string message) =>
        Results.Json(new ErrorResponse(message), TwinJsonContext.Default.ErrorResponse, statusCode: status);

    /// <summary>
    /// The time to live from the optional <c>ttl</c> object: members summed, rounded up to the millisecond, clamped
    /// to seven days; absent, null or <c>{}</c> mean seven days. Returns the error message, or null.
    /// </summary>
    public static string? TryGetTtl(JsonElement? ttl, out TimeSpan value)
    {
        value = s_maxTtl;
        if (ttl is not { } element || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            return TtlNotAnObject;
        }

        var total = 0.0;
        var members = 0;
        var known = 0;
        foreach (var member in element.EnumerateObject())
        {
            members++;
            var unit = member.Name switch
            {
                "days" => 86_400_000.0,
                "hours" => 3_600_000.0,
                "minutes" => 60_000.0,
                "seconds" => 1_000.0,
                _ => 0.0,
            };
            if (unit == 0)
            {
                continue;
            }

            known++;
            if (member.Value.ValueKind != JsonValueKind.Number)
            {
                return TtlMemberInvalid;
            }

            // A number too large for a double still means "as long as allowed".
            var number = member.Value.TryGetDouble(out var parsed) ? parsed
                : member.Value.GetRawText().StartsWith('-') ? double.NegativeInfinity : double.PositiveInfinity;
            if (number < 0)
            {
                return TtlMemberInvalid;
            }

            total += number * unit;
        }

        if (known == 0)
        {
            return members == 0 ? null : TtlNotAnObject;
        }

        if (!(total > 0))
        {
            return TtlNotPositive;
        }

        value = total >= s_maxTtl.TotalMilliseconds ? s_maxTtl : TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(total)));
        return null;
    }
}
