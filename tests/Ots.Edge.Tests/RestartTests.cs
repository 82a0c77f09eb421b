using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// DESIGN §3: what the embedded store acknowledged survives a restart, a revealed secret stays revealed (the
/// GETDEL-not-replayed trap), and spent phrase attempts stay spent. One restart serves all three, since a child
/// process edge takes seconds to start on a loaded machine.
/// </summary>
public sealed class RestartTests
{
    [EmbeddedStoreFact]
    public async Task After_a_restart_on_the_same_data_kept_secrets_reveal_once_revealed_ones_stay_gone_and_attempts_stay_counted()
    {
        using var data = new TempDirectory("ots-edge-restart-");
        var options = new EdgeServerOptions { DataDirectory = data.Path, Arguments = ["--max-phrase-attempts", "2"] };
        string kept, revealed, guessed;
        var first = await EdgeServer.StartAsync(options);
        await using (first)
        {
            using var client = new HttpClient { BaseAddress = first.BaseUri };
            kept = await client.GenerateAsync("kept across a restart", "a");
            revealed = await client.GenerateAsync("revealed before the restart", "b");
            guessed = await client.GenerateAsync("guessed at", "c");
            await client.AssertRevealsAsync(revealed, "b", "revealed before the restart");
            (await client.RevealAsync(guessed, "wrong")).AssertIs(403, Http.IncorrectPhrase);
        }

        var second = await EdgeServer.StartAsync(options);
        await using (second)
        {
            using var client = new HttpClient { BaseAddress = second.BaseUri };

            (await client.RevealAsync(revealed, "b")).AssertIs(404, Http.KeyNotFound);
            await client.AssertRevealsAsync(kept, "a", "kept across a restart");
            (await client.RevealAsync(kept, "a")).AssertIs(404, Http.KeyNotFound);

            // One of two attempts was spent before the restart: the next wrong phrase is the last.
            (await client.RevealAsync(guessed, "wrong")).AssertIs(403, Http.IncorrectPhrase);
            (await client.RevealAsync(guessed, "c")).AssertIs(404, Http.KeyNotFound);
        }
    }
}
