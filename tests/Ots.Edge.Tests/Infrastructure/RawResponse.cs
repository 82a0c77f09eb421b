using System.Text;
using System.Text.Json;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>One HTTP/1.1 response as it came off the wire.</summary>
public sealed class RawResponse
{
    public RawResponse(string version, int status, string reason, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body)
    {
        Version = version;
        Status = status;
        Reason = reason;
        Headers = headers;
        Body = body;
    }

    /// <summary><c>HTTP/1.1</c>.</summary>
    public string Version { get; }

    public int Status { get; }

    public string Reason { get; }

    /// <summary>The header fields in order, names as sent.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    public byte[] Body { get; }

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>The values of every field named <paramref name="name"/> (case-insensitive).</summary>
    public IReadOnlyList<string> All(string name) =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();

    /// <summary>The value of the one field named <paramref name="name"/>, or null; two fields fail the test.</summary>
    public string? Header(string name)
    {
        var values = All(name);
        Assert.True(values.Count <= 1, "header " + name + " sent " + values.Count + " times");
        return values.Count == 0 ? null : values[0];
    }

    /// <summary>The body's top-level string member <paramref name="name"/>.</summary>
    public string JsonString(string name)
    {
        using var document = JsonDocument.Parse(Body);
        Assert.Equal(JsonValueKind.Object, document.RootElement.ValueKind);
        return document.RootElement.GetProperty(name).GetString()!;
    }

    public override string ToString() => Version + " " + Status + " " + Reason + " (" + Body.Length + " body bytes)";
}
