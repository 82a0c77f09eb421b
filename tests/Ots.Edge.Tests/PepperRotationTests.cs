using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>
/// Rotating the pepper (<c>--previous-pepper</c>): an edge given the new pepper and the previous one reveals
/// secrets created under either (and counts those that came back under the previous one), counts a wrong phrase
/// once, and creates new ones under the new pepper only; once the previous pepper is dropped, the secrets created
/// under it can no longer be opened. Each step restarts the edge on the same store, as a deploy would: the embedded
/// one on a shared data directory, or in a binary run the external store every edge of the run uses.
/// </summary>
public sealed class PepperRotationTests
{
    private const string FirstPepper = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private const string SecondPepper = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";

    [Fact]
    public async Task Secrets_created_before_a_rotation_reveal_during_it_and_new_ones_after_it()
    {
        using var data = new TempDirectory("ots-edge-rotation-");
        string unpeppered, early, guessed, dropped, late;

        // No pepper yet.
        await using (var edge = await StartAsync(data))
        {
            using var client = Client(edge);
            unpeppered = await client.GenerateAsync("created without a pepper", "p0");
        }

        // The first pepper arrives: secrets from before it still reveal.
        await using (var edge = await StartAsync(data, "--pepper", FirstPepper, "--previous-pepper", "none"))
        {
            using var client = Client(edge);
            await client.AssertRevealsAsync(unpeppered, "p0", "created without a pepper");
            Assert.Equal(1, await RevealedUnderPreviousPepperAsync(client));
            early = await client.GenerateAsync("created under the first pepper", "p1");
            guessed = await client.GenerateAsync("guessed at during the rotation", "p2");
            dropped = await client.GenerateAsync("left until the previous pepper is dropped", "p3");
        }

        // Rotated to the second pepper, the first one kept as previous.
        await using (var edge = await StartAsync(data, "--pepper", SecondPepper, "--previous-pepper", FirstPepper))
        {
            using var client = Client(edge);
            await client.AssertRevealsAsync(early, "p1", "created under the first pepper");
            (await client.RevealAsync(early, "p1")).AssertIs(404, Http.KeyNotFound);

            // Two wrong phrases of three allowed: each counted once, so the right one still wins.
            (await client.RevealAsync(guessed, "wrong")).AssertIs(403, Http.IncorrectPhrase);
            (await client.RevealAsync(guessed, "wrong again")).AssertIs(403, Http.IncorrectPhrase);
            await client.AssertRevealsAsync(guessed, "p2", "guessed at during the rotation");

            late = await client.GenerateAsync("created under the second pepper", "p4");
            await client.AssertRevealsAsync(await client.GenerateAsync("created and revealed during the rotation", "p5"), "p5", "created and revealed during the rotation");

            // Counted: the two secrets that came back under the previous pepper, not the one under the new pepper.
            Assert.Equal(2, await RevealedUnderPreviousPepperAsync(client));
        }

        // The previous pepper dropped: new secrets reveal; one created under the first pepper no longer opens.
        await using (var edge = await StartAsync(data, "--pepper", SecondPepper))
        {
            using var client = Client(edge);
            await client.AssertRevealsAsync(late, "p4", "created under the second pepper");
            (await client.RevealAsync(dropped, "p3")).AssertIs(403, Http.IncorrectPhrase);
        }
    }

    private static Task<EdgeServer> StartAsync(TempDirectory data, params string[] pepperArguments) =>
        EdgeServer.StartAsync(new EdgeServerOptions { DataDirectory = data.Path, Arguments = ["--max-phrase-attempts", "3", .. pepperArguments] });

    private static HttpClient Client(EdgeServer edge) => new() { BaseAddress = edge.BaseUri };

    private static async Task<double> RevealedUnderPreviousPepperAsync(HttpClient client) =>
        PrometheusText.Parse(await client.GetStringAsync(new Uri("metrics", UriKind.Relative))).Value("ots_secrets_revealed_previous_pepper_total");
}
