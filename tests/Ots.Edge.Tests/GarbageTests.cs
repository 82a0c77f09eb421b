using System.Text;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>Random bytes never crash the edge, never get a 5xx, never hang a connection.</summary>
[Collection(SharedEdge.Name)]
public sealed class GarbageTests(EdgeFixture fixture)
{
    private const int Blobs = 200;

    // Pieces of HTTP, so that some blobs get past the request line and into headers, framing and bodies.
    private static readonly string[] s_fragments =
    [
        "GET ", "POST ", "HEAD ", "/generate", "/secrets/", "/healthz", "?", " HTTP/1.1", " HTTP/1.0", "\r\n", "\r\n\r\n",
        "\n", "\r", "Host: ots", "Content-Length: ", "0", "5", "12", "99999", "Expect: 100-continue", "Connection: close",
        ":", " ", "\t", "{", "}", "\"secret\"", "\"phrase\":", "\"x\"", ",", "a", "%", "\0", "\u00ff",
    ];

    [Fact]
    public async Task Random_blobs_each_get_a_4xx_or_a_close_and_the_server_survives()
    {
        var random = new Random(20_261_101);
        var blobs = Enumerable.Range(0, Blobs).Select(i => MakeBlob(random, i)).ToList();
        var outcomes = new (int Index, string Outcome)[Blobs];

        await Parallel.ForEachAsync(Enumerable.Range(0, Blobs), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            outcomes[i] = (i, await SendAsync(blobs[i]));
        });

        var failures = outcomes.Where(o => o.Outcome.Length > 0).Select(o => "blob " + o.Index + ": " + o.Outcome + " <- " + Printable(blobs[o.Index])).ToList();
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));

        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        await connection.SendAsync(Http.Get("/healthz"));
        Http.AssertResponse(await connection.ReadResponseAsync(), 200);
        var key = await fixture.Client.GenerateAsync("after garbage", "p");
        await fixture.Client.AssertRevealsAsync(key, "p", "after garbage");
    }

    /// <summary>Half of the blobs are raw random bytes, half are random sequences of HTTP fragments and bytes.</summary>
    private static byte[] MakeBlob(Random random, int index)
    {
        if (index % 2 == 0)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            return bytes;
        }

        var builder = new List<byte>();
        var pieces = random.Next(1, 60);
        for (var i = 0; i < pieces; i++)
        {
            if (random.Next(8) == 0)
            {
                builder.Add((byte)random.Next(256));
            }
            else
            {
                builder.AddRange(Encoding.UTF8.GetBytes(s_fragments[random.Next(s_fragments.Length)]));
            }
        }

        return [.. builder];
    }

    /// <summary>Sends one blob and half-closes; returns "" when the outcome is acceptable, else what went wrong.</summary>
    private async Task<string> SendAsync(byte[] blob)
    {
        await using var connection = await RawHttpConnection.OpenAsync(fixture.Server);
        try
        {
            await connection.SendAsync(blob);
            connection.ShutdownSend();
        }
        catch (System.Net.Sockets.SocketException)
        {
            // The server may already have answered and closed while we were still sending: read what it said.
        }

        // Half-closed, an incomplete request can never complete, so the edge must end the connection promptly
        // (well before its 10 s header timeout); the bound here catches a hang.
        var (bytes, end) = await connection.ReadToEndAsync(TimeSpan.FromSeconds(5));
        if (end == ConnectionEnd.StillOpen)
        {
            return "still open after 5 s";
        }

        var text = Encoding.ASCII.GetString(bytes);
        var offset = 0;
        while (offset < text.Length)
        {
            // Every response in the stream (pipelined fragments may form several requests) must be a non-5xx, and
            // a rejection must be the last thing sent.
            if (!text.AsSpan(offset).StartsWith("HTTP/1.1 ", StringComparison.Ordinal) || text.Length < offset + 12)
            {
                return end == ConnectionEnd.Reset ? "" : "not a response: " + Printable(bytes.AsSpan(offset).ToArray());
            }

            var status = int.Parse(text.AsSpan(offset + 9, 3), System.Globalization.CultureInfo.InvariantCulture);
            if (status >= 500)
            {
                return "status " + status;
            }

            var next = text.IndexOf("HTTP/1.1 ", offset + 9, StringComparison.Ordinal);
            offset = next < 0 ? text.Length : next;
        }

        return "";
    }

    private static string Printable(byte[] bytes)
    {
        var text = Encoding.Latin1.GetString(bytes, 0, Math.Min(bytes.Length, 200));
        return string.Concat(text.Select(c => c is >= ' ' and < '\u007f' ? c.ToString() : "\\x" + ((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
    }
}
