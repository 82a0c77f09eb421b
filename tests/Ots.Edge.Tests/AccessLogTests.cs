using System.Text.Json;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// <c>--access-log true</c> and <c>--log-format</c>: one line per request from the parsed head (method, route
/// template, status, duration), and never a secret, a phrase, a key or a raw path, in either format. Captured from a
/// real edge process's output.
/// </summary>
public sealed class AccessLogTests
{
    // Distinctive strings: if any of them reaches the log, the test finds it.
    private const string Secret = "SECRET-a9f3c1-launch-code";
    private const string Phrase = "PHRASE-77e1b0-correct-horse";

    [Theory]
    [InlineData("plain")]
    [InlineData("json")]
    public async Task Access_log_has_every_request_and_no_secret_phrase_or_key(string format)
    {
        string log;
        string key;
        var server = await ChildEdge.StartAsync("--access-log", "true", "--log-format", format, "--Logging:LogLevel:Default=Warning");
        try
        {
            key = await ExerciseAsync(server);
        }
        finally
        {
            // Stopping flushes the console logger's queue.
            await server.DisposeAsync();
            log = server.Diagnostics;
        }

        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        Assert.DoesNotContain(Phrase, log, StringComparison.Ordinal);
        Assert.DoesNotContain(key, log, StringComparison.Ordinal);
        Assert.DoesNotContain(key[..16], log, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-route", log, StringComparison.Ordinal);

        var entries = AccessEntries(log, format);
        Assert.Contains(("POST", "/generate", 201), entries);
        Assert.Contains(("POST", "/secrets/{key}", 403), entries);
        Assert.Contains(("POST", "/secrets/{key}", 200), entries);
        Assert.Contains(("POST", "/secrets/{key}", 404), entries);
        Assert.Contains(("GET", "other", 404), entries);
        Assert.Contains(("OTHER", "/generate", 405), entries);
        Assert.Contains("rejected 400 obsolete_line_folding", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_access_log_the_success_path_logs_nothing()
    {
        string log;
        var server = await ChildEdge.StartAsync("--log-format", "json");
        try
        {
            await ExerciseAsync(server);
        }
        finally
        {
            await server.DisposeAsync();
            log = server.Diagnostics;
        }

        // Startup and shutdown lines only: nothing per request, nothing from the access log category.
        Assert.DoesNotContain("Ots.Edge.Access", log, StringComparison.Ordinal);
        Assert.DoesNotContain("/generate", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        foreach (var line in LogLines(log).Where(line => line.StartsWith('{')))
        {
            using var entry = JsonDocument.Parse(line);
            Assert.NotEqual("Error", entry.RootElement.GetProperty("LogLevel").GetString());
        }
    }

    private static async Task<string> ExerciseAsync(EdgeServer server)
    {
        using var client = new HttpClient { BaseAddress = server.BaseUri, Timeout = TimeSpan.FromSeconds(10) };
        var key = await client.GenerateAsync(Secret, Phrase);
        (await client.RevealAsync(key, Phrase + "-wrong")).AssertIs(403, Http.IncorrectPhrase);
        await client.AssertRevealsAsync(key, Phrase, Secret);
        (await client.RevealAsync(key, Phrase)).AssertIs(404, Http.KeyNotFound);

        // A key and a secret where no route is, and a method the parser does not know: neither is echoed.
        Assert.Equal(404, (await Exchange.SendAsync(server, Http.Get("/not-a-route/" + key + "?" + Secret))).Status);
        Assert.Equal(405, (await Exchange.SendAsync(server, "PATCH /generate HTTP/1.1\r\nHost: ots\r\nContent-Length: 0\r\n\r\n")).Status);
        Assert.Equal(400, (await Exchange.SendAsync(server, "POST /secrets/" + key + " HTTP/1.1\r\nHost: ots\r\n " + Phrase + "\r\n\r\n")).Status);
        return key;
    }

    private static string[] LogLines(string log) =>
        log.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static List<(string Method, string Route, int Status)> AccessEntries(string log, string format)
    {
        var entries = new List<(string, string, int)>();
        foreach (var line in LogLines(log))
        {
            if (format == "json")
            {
                if (!line.StartsWith('{'))
                {
                    continue;
                }

                using var entry = JsonDocument.Parse(line);
                var root = entry.RootElement;
                if (root.GetProperty("Category").GetString() != "Ots.Edge.Access" || root.GetProperty("EventId").GetInt32() != 7)
                {
                    continue;
                }

                var state = root.GetProperty("State");
                var status = state.GetProperty("Status");
                entries.Add((
                    state.GetProperty("Method").GetString()!,
                    state.GetProperty("Route").GetString()!,
                    status.ValueKind == JsonValueKind.Number ? status.GetInt32() : int.Parse(status.GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
            }
            else
            {
                // 2026-01-01T00:00:00.000Z info: Ots.Edge.Access[7] POST /generate 201 1.234ms
                var marker = line.IndexOf("Ots.Edge.Access[7] ", StringComparison.Ordinal);
                if (marker < 0)
                {
                    continue;
                }

                var fields = line[(marker + "Ots.Edge.Access[7] ".Length)..].Split(' ');
                entries.Add((fields[0], fields[1], int.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture)));
            }
        }

        Assert.True(entries.Count > 0, "no access log entries in:\n" + log);
        return entries;
    }
}
