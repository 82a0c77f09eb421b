using System.Globalization;
using System.Net;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// The per-client-address limit on failed reveals (403 and 404): past <c>--max-failed-reveals</c> within
/// <c>--failed-reveal-window-seconds</c>, that address's reveals get 429 with <c>Retry-After</c>; generate stays
/// allowed, other addresses are unaffected, and <c>X-Forwarded-For</c> names the client only when trusted.
/// </summary>
[Collection(SharedGarnet.Name)]
public sealed class AbuseLimitTests(GarnetFixture fixture, ITestOutputHelper output)
{
    private const string TooMany = """{"Error":"Too many failed attempts"}""";

    private static readonly IPAddress s_otherClient = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Past_the_limit_an_address_gets_429_with_retry_after_for_reveals_only_and_another_address_is_unaffected()
    {
        await using var edge = await EdgeProcess.StartAsync(fixture.Garnet.ConnectionString,
            ["--max-failed-reveals", "5", "--failed-reveal-window-seconds", "60"]);
        using var client = edge.CreateClient();
        var key = await client.GenerateAsync("the secret", "right");

        // 5 failures: two wrong phrases (403), two unknown keys and one malformed key (404).
        (await RevealAsync(edge, key, "wrong")).AssertStatus(403);
        (await RevealAsync(edge, key, "wrong")).AssertStatus(403);
        (await RevealAsync(edge, UnknownKey(), "p")).AssertStatus(404);
        (await RevealAsync(edge, UnknownKey(), "p")).AssertStatus(404);
        (await RevealAsync(edge, "malformed", "p")).AssertStatus(404);

        // The 6th reveal, even with the right phrase, is refused, and says when to come back.
        var refused = await RevealAsync(edge, key, "right");
        Assert.Equal(429, refused.Status);
        Assert.Equal(TooMany, refused.Body);
        Assert.Equal("application/json", refused.Header("Content-Type"));
        var retryAfter = int.Parse(refused.Header("Retry-After") ?? "missing", NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 60);

        // A spoofed X-Forwarded-For changes nothing when it is not trusted.
        Assert.Equal(429, (await RevealAsync(edge, key, "right", "X-Forwarded-For: 198.51.100.77\r\n")).Status);

        // Generate stays allowed for the same address.
        Assert.Equal(201, (await OneShot.SendAsync(edge.EndPoint, Close(Http.Post("/generate", Http.GenerateBody("s", "p"))))).Status);

        // Another address is unaffected: it gets the secret (and the secret survived the refused attempts).
        var other = await RevealAsync(edge, key, "right", from: s_otherClient);
        Assert.True(other.Status == 200, "another address: " + other);
        Assert.Equal("the secret", Http.RevealedSecret(other.Body));
        output.WriteLine($"after 5 failures: 429 {refused.Body} with Retry-After: {retryAfter}; generate 201; 127.0.0.2 revealed the secret");
    }

    [Fact]
    public async Task With_trust_forwarded_for_the_rightmost_entry_is_the_client_and_the_count_decays()
    {
        // 3 failures per 12 s: one failure's worth decays every 4 s.
        await using var edge = await EdgeProcess.StartAsync(fixture.Garnet.ConnectionString,
            ["--max-failed-reveals", "3", "--failed-reveal-window-seconds", "12", "--trust-forwarded-for", "true"]);
        const string Attacker = "198.51.100.1";

        // Three failures from the attacker, behind a proxy chain whose left part the attacker wrote.
        for (var i = 0; i < 3; i++)
        {
            (await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: 203.0.113.9, " + Attacker + "\r\n")).AssertStatus(404);
        }

        var refused = await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: " + Attacker + "\r\n");
        Assert.Equal(429, refused.Status);
        Assert.Equal(TooMany, refused.Body);

        // Two fields form one list: the right-most entry of the last one counts.
        Assert.Equal(429, (await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: 198.51.100.2\r\nX-Forwarded-For: 203.0.113.5, " + Attacker + "\r\n")).Status);

        // Other clients of the same proxy (the same peer address) are unaffected, including one that names the
        // attacker's address in a position the proxy did not write.
        (await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: 198.51.100.2\r\n")).AssertStatus(404);
        (await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: " + Attacker + ", 198.51.100.3\r\n")).AssertStatus(404);
        (await RevealAsync(edge, UnknownKey(), "p")).AssertStatus(404);

        // The count decays: after Retry-After the attacker may try again.
        var retryAfter = int.Parse(refused.Header("Retry-After")!, CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 4);
        await Task.Delay(TimeSpan.FromSeconds(retryAfter + 0.5));
        (await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: " + Attacker + "\r\n")).AssertStatus(404);
        Assert.Equal(429, (await RevealAsync(edge, UnknownKey(), "p", "X-Forwarded-For: " + Attacker + "\r\n")).Status);
        output.WriteLine($"trusted X-Forwarded-For: right-most entry limited (Retry-After: {retryAfter}), others unaffected, one more attempt after Retry-After");
    }

    private static Task<OneShotResponse> RevealAsync(ProcessEdgeServer edge, string key, string phrase, string headers = "", IPAddress? from = null) =>
        OneShot.SendAsync(edge.EndPoint, Close(Http.Post("/secrets/" + key, Http.RevealBody(phrase), headers)), from);

    private static string Close(string request) => request.Replace("Host: ots\r\n", "Host: ots\r\nConnection: close\r\n", StringComparison.Ordinal);

    private static string UnknownKey() => Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray())
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

internal static class OneShotAssertions
{
    public static void AssertStatus(this OneShotResponse response, int status) =>
        Assert.True(response.Status == status, "expected " + status + ", got " + response);
}
