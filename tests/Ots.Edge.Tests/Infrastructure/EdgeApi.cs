using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>A response read by <see cref="HttpClient"/>, with the contract's header checks done.</summary>
public sealed record ApiResponse(HttpStatusCode Status, string Body)
{
    public int Code => (int)Status;
}

/// <summary>The API through <see cref="HttpClient"/>: what a typical caller of the service does.</summary>
public static class EdgeApi
{
    /// <summary>Posts <paramref name="body"/> (sent as given, UTF-8) and checks Content-Type and Content-Length of the answer.</summary>
    public static async Task<ApiResponse> PostAsync(this HttpClient client, string path, string body, string? contentType = "application/json")
    {
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await client.PostAsync(new Uri(path, UriKind.Relative), content);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.ToString());
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        return new ApiResponse(response.StatusCode, Encoding.UTF8.GetString(bytes));
    }

    /// <summary>Generates a secret and returns its key, checking the 201 body.</summary>
    public static async Task<string> GenerateAsync(this HttpClient client, string secret, string phrase, string? ttlJson = null)
    {
        var response = await client.PostAsync("generate", Http.GenerateBody(secret, phrase, ttlJson));
        Assert.True(response.Code == 201, "generate: " + response);
        return Http.CreatedKey(response.Body);
    }

    /// <summary>Asks for a secret with <paramref name="phrase"/>.</summary>
    public static Task<ApiResponse> RevealAsync(this HttpClient client, string key, string phrase) =>
        client.PostAsync("secrets/" + key, Http.RevealBody(phrase));

    /// <summary>Reveals and checks the 200 with the exact <paramref name="expectedSecret"/>.</summary>
    public static async Task AssertRevealsAsync(this HttpClient client, string key, string phrase, string expectedSecret)
    {
        var response = await client.RevealAsync(key, phrase);
        Assert.True(response.Code == 200, "reveal: " + response);
        Assert.Equal(expectedSecret, Http.RevealedSecret(response.Body));
    }

    /// <summary>Asserts status and exact body.</summary>
    public static void AssertIs(this ApiResponse response, int status, string body)
    {
        Assert.True(response.Code == status, "expected " + status + " " + body + ", got " + response);
        Assert.Equal(body, response.Body);
    }
}
