using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>Request bytes as tests write them, and the contract's fixed bodies and checks on responses.</summary>
public static partial class Http
{
    public const string KeyNotFound = """{"Error":"Key not found"}""";
    public const string IncorrectPhrase = """{"Error":"Incorrect phrase"}""";
    public const string GenerateParametersRequired = """{"Error":"Required parameters: phrase, secret."}""";
    public const string RevealParametersRequired = """{"Error":"Required parameters: phrase."}""";
    public const string TtlNotAnObject = """{"Error":"Invalid ttl: expected an object with days, hours, minutes or seconds."}""";
    public const string TtlMemberInvalid = """{"Error":"Invalid ttl: days, hours, minutes and seconds must be non-negative numbers."}""";
    public const string TtlNotPositive = """{"Error":"Invalid ttl: the total must be greater than zero."}""";

    /// <summary>A request with a <c>Content-Length</c> body (UTF-8) and a Host header.</summary>
    public static string Post(string target, string body, string extraHeaders = "") =>
        "POST " + target + " HTTP/1.1\r\nHost: ots\r\n" + extraHeaders +
        "Content-Length: " + Encoding.UTF8.GetByteCount(body).ToString(CultureInfo.InvariantCulture) + "\r\n\r\n" + body;

    /// <summary>A request without a body.</summary>
    public static string Get(string target, string method = "GET", string extraHeaders = "") =>
        method + " " + target + " HTTP/1.1\r\nHost: ots\r\n" + extraHeaders + "\r\n";

    /// <summary>A generate body: <c>{"secret":…,"phrase":…}</c>, JSON-escaped.</summary>
    public static string GenerateBody(string secret, string phrase, string? ttlJson = null) =>
        "{\"secret\":" + JsonSerializer.Serialize(secret) + ",\"phrase\":" + JsonSerializer.Serialize(phrase) +
        (ttlJson is null ? "" : ",\"ttl\":" + ttlJson) + "}";

    /// <summary>A reveal body: <c>{"phrase":…}</c>.</summary>
    public static string RevealBody(string phrase) => "{\"phrase\":" + JsonSerializer.Serialize(phrase) + "}";

    /// <summary>Checks what every response carries: JSON content type and a Content-Length that matches the body.</summary>
    public static void AssertJsonHeaders(RawResponse response)
    {
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.Equal(response.Body.Length.ToString(CultureInfo.InvariantCulture), response.Header("Content-Length"));
    }

    /// <summary>Status, the common headers, and (when given) the exact body.</summary>
    public static void AssertResponse(RawResponse response, int status, string? body = null)
    {
        Assert.True(status == response.Status, "expected " + status + ", got " + response + ": " + response.BodyText);
        AssertJsonHeaders(response);
        if (body is not null)
        {
            Assert.Equal(body, response.BodyText);
        }
    }

    /// <summary>A 4xx/5xx whose body is <c>{"Error": "..."}</c> with some message.</summary>
    public static void AssertErrorBody(RawResponse response)
    {
        Assert.Equal("Error", Assert.Single(JsonObjectMembers(response.Body)));
        Assert.False(string.IsNullOrEmpty(response.JsonString("Error")));
    }

    /// <summary>A 201 body is exactly <c>{"secret_key":"&lt;43 base64url chars&gt;"}</c>; returns the key.</summary>
    public static string AssertCreated(RawResponse response)
    {
        AssertResponse(response, 201);
        return CreatedKey(response.BodyText);
    }

    /// <summary>The key of a 201 body, checked to be exactly <c>{"secret_key":"&lt;43 base64url chars&gt;"}</c>.</summary>
    public static string CreatedKey(string body)
    {
        var match = CreatedBody().Match(body);
        Assert.True(match.Success, "not a 201 body: " + body);
        return match.Groups[1].Value;
    }

    /// <summary>A 200 reveal body is exactly one string member <c>secret</c>; returns its value.</summary>
    public static string AssertRevealed(RawResponse response)
    {
        AssertResponse(response, 200);
        return RevealedSecret(response.BodyText);
    }

    /// <summary>The secret of a 200 body, checked to be an object with the one string member <c>secret</c>.</summary>
    public static string RevealedSecret(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.Equal("secret", Assert.Single(JsonObjectMembers(bytes)));
        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.GetProperty("secret").GetString()!;
    }

    private static List<string> JsonObjectMembers(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.EnumerateObject().Select(p => p.Name).ToList();
    }

    [GeneratedRegex("""^\{"secret_key":"([A-Za-z0-9_-]{43})"\}$""")]
    private static partial Regex CreatedBody();
}
