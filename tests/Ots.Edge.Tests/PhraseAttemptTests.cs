using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>An edge that allows three wrong phrases.</summary>
public sealed class ThreeAttemptsEdgeFixture : EdgeFixture
{
    protected override IReadOnlyList<string> Arguments => ["--max-phrase-attempts", "3"];
}

/// <summary>DESIGN §1/§3: each wrong phrase counts; the last allowed one destroys the secret.</summary>
public sealed class PhraseAttemptTests(ThreeAttemptsEdgeFixture fixture) : IClassFixture<ThreeAttemptsEdgeFixture>
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task Three_wrong_phrases_destroy_the_secret()
    {
        var key = await _client.GenerateAsync("limited", "right");

        for (var i = 0; i < 3; i++)
        {
            (await _client.RevealAsync(key, "wrong")).AssertIs(403, Http.IncorrectPhrase);
        }

        (await _client.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);
        (await _client.RevealAsync(key, "wrong")).AssertIs(404, Http.KeyNotFound);
    }

    [Fact]
    public async Task Two_wrong_phrases_leave_the_secret_for_the_right_one()
    {
        var key = await _client.GenerateAsync("survives", "right");

        (await _client.RevealAsync(key, "wrong 1")).AssertIs(403, Http.IncorrectPhrase);
        (await _client.RevealAsync(key, "wrong 2")).AssertIs(403, Http.IncorrectPhrase);

        (await _client.RevealAsync(key, "right")).AssertIs(200, """{"secret":"survives"}""");
    }

    [Fact]
    public async Task Attempts_are_counted_per_secret()
    {
        var first = await _client.GenerateAsync("first", "right");
        var second = await _client.GenerateAsync("second", "right");

        for (var i = 0; i < 2; i++)
        {
            (await _client.RevealAsync(first, "wrong")).AssertIs(403, Http.IncorrectPhrase);
            (await _client.RevealAsync(second, "wrong")).AssertIs(403, Http.IncorrectPhrase);
        }

        await _client.AssertRevealsAsync(first, "right", "first");
        await _client.AssertRevealsAsync(second, "right", "second");
    }

    [Fact]
    public async Task Concurrent_wrong_phrases_never_count_more_than_the_limit_of_403s()
    {
        var key = await _client.GenerateAsync("raced", "right");

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => _client.RevealAsync(key, "wrong " + i)));

        Assert.Equal(3, answers.Count(a => a.Code == 403));
        Assert.Equal(17, answers.Count(a => a.Code == 404));
        (await _client.RevealAsync(key, "right")).AssertIs(404, Http.KeyNotFound);
    }
}
