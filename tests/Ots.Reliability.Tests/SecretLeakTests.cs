using System.Text;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// DESIGN §2: secrets, phrases, keys and <c>/secrets/…</c> paths are never logged, and no error or metrics response
/// carries one. An edge child process logs at Information (with the access log on) through a full run: successes,
/// every kind of rejection, a timeout, the abuse limit, and a store outage; every line it wrote is searched.
/// </summary>
public sealed class SecretLeakTests(ITestOutputHelper output)
{
    private const string Marker = "LEAKCHECK";

    [Fact]
    public async Task No_secret_phrase_or_key_appears_in_any_log_line_or_error_or_metrics_body()
    {
        var garnet = await GarnetProcess.StartAsync();
        await using var garnetOwner = garnet;
        var edge = await EdgeProcess.StartAsync(garnet.ConnectionString,
            ["--access-log", "true", "--max-failed-reveals", "3", "--header-timeout-seconds", "1", "--body-timeout-seconds", "1", "--store-timeout-seconds", "1"],
            logLevel: "Information");
        var sensitive = new List<string>();
        var bodies = new List<string>();
        try
        {
            using var client = edge.CreateClient();
            string Secret() => Remember(sensitive, Marker + "-secret-" + Guid.NewGuid().ToString("N"));
            string Phrase() => Remember(sensitive, Marker + "-phrase-" + Guid.NewGuid().ToString("N"));

            // Success paths.
            var phrase = Phrase();
            var secret = Secret();
            var key = Remember(sensitive, await client.GenerateAsync(secret, phrase));
            await client.AssertRevealsAsync(key, phrase, secret);
            var kept = Remember(sensitive, await client.GenerateAsync(Secret(), phrase));

            // API errors: wrong phrase, gone, unknown and malformed keys, bad bodies.
            bodies.Add((await client.RevealAsync(kept, Phrase())).Body);
            bodies.Add((await client.RevealAsync(key, phrase)).Body);
            bodies.Add((await client.PostAsync("secrets/" + Remember(sensitive, Marker + "malformedkey"), Http.RevealBody(phrase))).Body);
            bodies.Add((await client.PostAsync("generate", "{\"secret\":\"" + Secret() + "\",\"phrase\":")).Body);
            bodies.Add((await client.PostAsync("secrets/" + kept, "{\"phrase\":" + Phrase() + "}")).Body);

            // The abuse limit (3 failures above: a 403 and two 404s; the 400s do not count), then 429.
            bodies.Add((await client.RevealAsync(kept, phrase)).Body);

            // Framing rejections carrying secrets: oversized body, headers, request line, garbage, smuggling.
            bodies.Add(await RawAsync(edge, Http.Post("/generate", Http.GenerateBody(Secret() + new string('x', 200_000), phrase))));
            bodies.Add(await RawAsync(edge, "POST /secrets/" + kept + " HTTP/1.1\r\nHost: ots\r\nX-Big: " + new string('h', 40_000) + Phrase() + "\r\n\r\n"));
            bodies.Add(await RawAsync(edge, "GET /secrets/" + kept + "/" + new string('u', 9000) + Secret() + " HTTP/1.1\r\nHost: ots\r\n\r\n"));
            bodies.Add(await RawAsync(edge, "POST /secrets/" + kept + " HTTP/1.1\r\nHost: ots\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Phrase()));
            bodies.Add(await RawAsync(edge, Secret() + " " + Phrase() + "\r\n\r\n"));
            bodies.Add(await RawAsync(edge, "POST /generate HTTP/1.1\r\nHost: ots\r\nTransfer-Encoding: chunked\r\n\r\nZZ;" + Secret() + "\r\n"));

            // A timeout mid-body (the body holds a secret).
            var slow = Http.Post("/generate", Http.GenerateBody(Secret(), phrase));
            bodies.Add(await RawAsync(edge, slow[..^10]));

            // Metrics, if this build has them.
            using (var metrics = await client.GetAsync(new Uri("metrics", UriKind.Relative)))
            {
                bodies.Add(await metrics.Content.ReadAsStringAsync());
            }

            // The store goes away: 503s for generate, reveal and readiness.
            await garnet.KillAsync();
            bodies.Add((await client.PostAsync("generate", Http.GenerateBody(Secret(), Phrase()))).Body);
            // Reveals from another address, which the abuse limit above does not block.
            var other = System.Net.IPAddress.Parse("127.0.0.2");
            bodies.Add((await OneShot.SendAsync(edge.EndPoint, Close(Http.Post("/secrets/" + kept, Http.RevealBody(phrase))), other)).Body);
            bodies.Add((await OneShot.SendAsync(edge.EndPoint, Close(Http.Post("/secrets/" + Remember(sensitive, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA0"), Http.RevealBody(Phrase()))), other)).Body);
            bodies.Add(await RawAsync(edge, Http.Get("/readyz")));
            using (var metrics = await client.GetAsync(new Uri("metrics", UriKind.Relative)))
            {
                bodies.Add(await metrics.Content.ReadAsStringAsync());
            }
        }
        finally
        {
            // SIGTERM flushes the console logger; every line is in once the process has exited.
            await edge.DisposeAsync();
        }

        var lines = edge.OutputLines;
        output.WriteLine($"{lines.Count} log lines, {bodies.Count} error/metrics bodies, {sensitive.Count} sensitive values checked");
        Assert.Contains(lines, line => line.Contains("listening", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(lines, line => line.Contains("503", StringComparison.Ordinal) || line.Contains("Store call failed", StringComparison.Ordinal));

        foreach (var text in lines.Concat(bodies))
        {
            Assert.DoesNotContain(Marker, text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("/secrets/", text.Replace("/secrets/{key}", "", StringComparison.Ordinal), StringComparison.Ordinal);
            foreach (var value in sensitive)
            {
                Assert.DoesNotContain(value, text, StringComparison.Ordinal);

                // Half a key is its id: enough to find its record in a store dump.
                if (value.Length == 43)
                {
                    Assert.DoesNotContain(value[..21], text, StringComparison.Ordinal);
                }
            }
        }
    }

    private static string Close(string request) => request.Replace("Host: ots\r\n", "Host: ots\r\nConnection: close\r\n", StringComparison.Ordinal);

    private static string Remember(List<string> sensitive, string value)
    {
        sensitive.Add(value);
        return value;
    }

    /// <summary>Sends raw bytes and returns what came back before the edge closed (or 3 s passed).</summary>
    private static async Task<string> RawAsync(EdgeServer edge, string request)
    {
        await using var connection = await RawHttpConnection.OpenAsync(edge);
        try
        {
            await connection.SendAsync(Encoding.UTF8.GetBytes(request));
        }
        catch (Exception exception) when (exception is System.Net.Sockets.SocketException or IOException)
        {
            // The edge rejected the request before reading all of it.
        }

        var (bytes, _) = await connection.ReadToEndAsync(TimeSpan.FromSeconds(3));
        return Encoding.UTF8.GetString(bytes);
    }
}
