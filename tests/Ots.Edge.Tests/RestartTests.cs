using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>DESIGN §3: what the embedded store acknowledged survives a restart, and a revealed secret stays revealed.</summary>
public sealed class RestartTests
{
    [EmbeddedStoreFact]
    public async Task After_a_restart_on_the_same_data_a_kept_secret_reveals_once_and_a_revealed_one_stays_gone()
    {
        using var data = new TempDirectory("ots-edge-restart-");
        var options = new EdgeServerOptions { DataDirectory = data.Path };
        string kept, revealed;
        var first = await EdgeServer.StartAsync(options);
        await using (first)
        {
            using var client = new HttpClient { BaseAddress = first.BaseUri };
            kept = await client.GenerateAsync("kept across a restart", "a");
            revealed = await client.GenerateAsync("revealed before the restart", "b");
            await client.AssertRevealsAsync(revealed, "b", "revealed before the restart");
        }

        var second = await EdgeServer.StartAsync(options);
        await using (second)
        {
            using var client = new HttpClient { BaseAddress = second.BaseUri };

            (await client.RevealAsync(revealed, "b")).AssertIs(404, Http.KeyNotFound);
            await client.AssertRevealsAsync(kept, "a", "kept across a restart");
            (await client.RevealAsync(kept, "a")).AssertIs(404, Http.KeyNotFound);
        }
    }

    [EmbeddedStoreFact]
    public async Task Wrong_phrase_attempts_survive_a_restart()
    {
        using var data = new TempDirectory("ots-edge-restart-");
        var options = new EdgeServerOptions { DataDirectory = data.Path, Arguments = ["--max-phrase-attempts", "2"] };
        string key;
        var first = await EdgeServer.StartAsync(options);
        await using (first)
        {
            using var client = new HttpClient { BaseAddress = first.BaseUri };
            key = await client.GenerateAsync("counted", "right");
            (await client.RevealAsync(key, "wrong")).AssertIs(403, Http.IncorrectPhrase);
        }

        var second = await EdgeServer.StartAsync(options);
        await using (second)
        {
            using var client = new HttpClient { BaseAddress = second.BaseUri };

            // One attempt was used before the restart: the next wrong phrase is the last.
            (await client.RevealAsync(key, "wrong")).AssertIs(403, Http.IncorrectPhrase);
            (await client.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);
        }
    }
}
