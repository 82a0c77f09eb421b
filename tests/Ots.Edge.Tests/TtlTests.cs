using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary>DESIGN §1 TTL rules: default, clamping, expiry, and each 400.</summary>
[Collection(SharedEdge.Name)]
public sealed class TtlTests(EdgeFixture fixture)
{
    private readonly HttpClient _client = fixture.Client;

    [Fact]
    public async Task A_one_second_ttl_is_revealable_at_once_and_gone_after_it()
    {
        var early = await _client.GenerateAsync("early", "p", """{"seconds":1}""");
        var late = await _client.GenerateAsync("late", "p", """{"seconds":1}""");

        await _client.AssertRevealsAsync(early, "p", "early");
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        (await _client.RevealAsync(late, "p")).AssertIs(404, Http.KeyNotFound);
    }

    [Fact]
    public async Task An_expired_secret_is_404_for_a_wrong_phrase_too()
    {
        var key = await _client.GenerateAsync("s", "p", """{"seconds":0.2}""");
        await Task.Delay(TimeSpan.FromSeconds(0.6));

        (await _client.RevealAsync(key, "wrong")).AssertIs(404, Http.KeyNotFound);
    }

    [Theory]
    [InlineData("""null""")]
    [InlineData("""{}""")]
    [InlineData("""{"days":1}""")]
    [InlineData("""{"days":7}""")]
    [InlineData("""{"days":30}""")]
    [InlineData("""{"days":1e300}""")]
    [InlineData("""{"days":1e400}""")]
    [InlineData("""{"hours":0.5}""")]
    [InlineData("""{"minutes":1.25,"seconds":0.001}""")]
    [InlineData("""{"days":0,"hours":0,"minutes":0,"seconds":1}""")]
    [InlineData("""{"days":-0,"seconds":5}""")]
    [InlineData("""{"seconds":10,"unknown":"ignored"}""")]
    [InlineData("""{"days":9007199254740993,"hours":1e308,"minutes":1e308,"seconds":1e308}""")]
    public async Task A_valid_ttl_is_201_and_clamped_to_the_maximum(string ttl)
    {
        var key = await _client.GenerateAsync("ttl " + ttl, "p", ttl);

        await _client.AssertRevealsAsync(key, "p", "ttl " + ttl);
    }

    [Fact]
    public async Task A_tiny_positive_ttl_is_accepted()
    {
        // Rounded up to 1 ms (DESIGN §1): accepted, and gone almost at once.
        var response = await _client.PostAsync("generate", Http.GenerateBody("s", "p", """{"seconds":1e-9}"""));

        Assert.Equal(201, response.Code);
        await Task.Delay(50);
        (await _client.RevealAsync(Http.CreatedKey(response.Body), "p")).AssertIs(404, Http.KeyNotFound);
    }

    [Theory]
    [InlineData("""{"seconds":0}""", Http.TtlNotPositive)]
    [InlineData("""{"days":0,"hours":0,"minutes":0,"seconds":0}""", Http.TtlNotPositive)]
    [InlineData("""{"days":0.0}""", Http.TtlNotPositive)]
    [InlineData("""{"seconds":-0}""", Http.TtlNotPositive)]
    [InlineData("""{"seconds":-1}""", Http.TtlMemberInvalid)]
    [InlineData("""{"days":1,"hours":-1}""", Http.TtlMemberInvalid)]
    [InlineData("""{"days":-1e400}""", Http.TtlMemberInvalid)]
    [InlineData("""{"days":"1"}""", Http.TtlMemberInvalid)]
    [InlineData("""{"hours":null}""", Http.TtlMemberInvalid)]
    [InlineData("""{"minutes":true}""", Http.TtlMemberInvalid)]
    [InlineData("""{"seconds":false}""", Http.TtlMemberInvalid)]
    [InlineData("""{"seconds":[1]}""", Http.TtlMemberInvalid)]
    [InlineData("""{"seconds":{"n":1}}""", Http.TtlMemberInvalid)]
    [InlineData("""1""", Http.TtlNotAnObject)]
    [InlineData("""0""", Http.TtlNotAnObject)]
    [InlineData("""3600""", Http.TtlNotAnObject)]
    [InlineData("""true""", Http.TtlNotAnObject)]
    [InlineData("""false""", Http.TtlNotAnObject)]
    [InlineData("\"1d\"", Http.TtlNotAnObject)]
    [InlineData("""[]""", Http.TtlNotAnObject)]
    [InlineData("""[{"days":1}]""", Http.TtlNotAnObject)]
    [InlineData("""{"foo":1}""", Http.TtlNotAnObject)]
    [InlineData("""{"Days":1}""", Http.TtlNotAnObject)]
    public async Task An_invalid_ttl_is_400_with_its_message(string ttl, string body)
    {
        var response = await _client.PostAsync("generate", Http.GenerateBody("s", "p", ttl));

        response.AssertIs(400, body);
    }

    [Theory]
    [InlineData("""{"seconds":1,"seconds":2}""")]
    [InlineData("""{"seconds":1""")]
    [InlineData("""{"seconds":NaN}""")]
    [InlineData("""{"seconds":Infinity}""")]
    [InlineData("""{"seconds":1,}""")]
    [InlineData("""{"seconds":01}""")]
    public async Task Malformed_json_inside_ttl_is_400_parameters_required(string ttl)
    {
        // Not a TTL error: the body is not valid JSON (or a known field is given twice), DESIGN §1.
        var response = await _client.PostAsync("generate", Http.GenerateBody("s", "p", ttl));

        response.AssertIs(400, Http.GenerateParametersRequired);
    }

    [Fact]
    public async Task A_ttl_given_twice_is_400()
    {
        var response = await _client.PostAsync("generate", """{"secret":"s","phrase":"p","ttl":{"days":1},"ttl":{"days":2}}""");

        response.AssertIs(400, Http.GenerateParametersRequired);
    }
}
