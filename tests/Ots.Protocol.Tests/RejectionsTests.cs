using System.Text.Json;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary>Every rejection has its DESIGN §1 status and an <c>{"Error": "..."}</c> body; so does every API error.</summary>
public class RejectionsTests
{
    private static readonly Dictionary<RejectReason, HttpStatus> s_statuses = new()
    {
        [RejectReason.None] = HttpStatus.BadRequest,
        [RejectReason.InvalidRequestLine] = HttpStatus.BadRequest,
        [RejectReason.RequestLineTooLong] = HttpStatus.UriTooLong,
        [RejectReason.UnsupportedHttpVersion] = HttpStatus.HttpVersionNotSupported,
        [RejectReason.BareLineFeed] = HttpStatus.BadRequest,
        [RejectReason.InvalidHeaderName] = HttpStatus.BadRequest,
        [RejectReason.InvalidHeaderValue] = HttpStatus.BadRequest,
        [RejectReason.ObsoleteLineFolding] = HttpStatus.BadRequest,
        [RejectReason.HeadersTooLarge] = HttpStatus.RequestHeaderFieldsTooLarge,
        [RejectReason.TooManyHeaders] = HttpStatus.RequestHeaderFieldsTooLarge,
        [RejectReason.InvalidHost] = HttpStatus.BadRequest,
        [RejectReason.InvalidContentLength] = HttpStatus.BadRequest,
        [RejectReason.MultipleContentLength] = HttpStatus.BadRequest,
        [RejectReason.ContentLengthWithTransferEncoding] = HttpStatus.BadRequest,
        [RejectReason.TransferEncodingOnHttp10] = HttpStatus.BadRequest,
        [RejectReason.UnsupportedTransferEncoding] = HttpStatus.NotImplemented, // RFC 9112 §6.1.
        [RejectReason.InvalidChunk] = HttpStatus.BadRequest,
        [RejectReason.BodyTooLarge] = HttpStatus.ContentTooLarge,
        [RejectReason.UnsupportedExpectation] = HttpStatus.ExpectationFailed,
    };

    [Fact]
    public void Every_reason_has_its_status()
    {
        Assert.Equal(Enum.GetValues<RejectReason>().Order(), s_statuses.Keys.Order());
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            Assert.True(s_statuses[reason] == Rejections.StatusOf(reason), reason + ": " + Rejections.StatusOf(reason));
        }
    }

    [Fact]
    public void Every_reason_has_an_Error_body()
    {
        foreach (var reason in Enum.GetValues<RejectReason>())
        {
            AssertErrorBody(Rejections.BodyOf(reason).ToArray(), reason.ToString());
        }

        // Each real reason says what was wrong; only None falls back to the generic message.
        var bodies = Enum.GetValues<RejectReason>().Where(r => r != RejectReason.None).Select(r => Rejections.BodyOf(r).ToArray()).ToList();
        Assert.Equal(bodies.Count, bodies.Select(Convert.ToBase64String).Distinct().Count());
    }

    [Fact]
    public void API_errors_are_those_of_the_replaced_service()
    {
        Assert.Equal("""{"Error":"Key not found"}""", Text(ApiErrors.KeyNotFound));
        Assert.Equal("""{"Error":"Incorrect phrase"}""", Text(ApiErrors.IncorrectPhrase));
        Assert.Equal("""{"Error":"Required parameters: phrase, secret."}""", Text(ApiErrors.GenerateParametersRequired));
        Assert.Equal("""{"Error":"Service unavailable"}""", Text(ApiErrors.ServiceUnavailable));
    }

    [Fact]
    public void Every_API_error_is_an_Error_body()
    {
        var bodies = new Dictionary<string, byte[]>
        {
            [nameof(ApiErrors.KeyNotFound)] = ApiErrors.KeyNotFound.ToArray(),
            [nameof(ApiErrors.IncorrectPhrase)] = ApiErrors.IncorrectPhrase.ToArray(),
            [nameof(ApiErrors.GenerateParametersRequired)] = ApiErrors.GenerateParametersRequired.ToArray(),
            [nameof(ApiErrors.RevealParametersRequired)] = ApiErrors.RevealParametersRequired.ToArray(),
            [nameof(ApiErrors.TtlNotAnObject)] = ApiErrors.TtlNotAnObject.ToArray(),
            [nameof(ApiErrors.TtlMemberInvalid)] = ApiErrors.TtlMemberInvalid.ToArray(),
            [nameof(ApiErrors.TtlNotPositive)] = ApiErrors.TtlNotPositive.ToArray(),
            [nameof(ApiErrors.NotFound)] = ApiErrors.NotFound.ToArray(),
            [nameof(ApiErrors.MethodNotAllowed)] = ApiErrors.MethodNotAllowed.ToArray(),
            [nameof(ApiErrors.ServiceUnavailable)] = ApiErrors.ServiceUnavailable.ToArray(),
            [nameof(ApiErrors.InternalError)] = ApiErrors.InternalError.ToArray(),
            [nameof(ApiErrors.RequestTimeout)] = ApiErrors.RequestTimeout.ToArray(),
        };
        foreach (var (name, body) in bodies)
        {
            AssertErrorBody(body, name);
        }

        foreach (var probe in new[] { ApiErrors.Healthy.ToArray(), ApiErrors.Ready.ToArray() })
        {
            using var document = JsonDocument.Parse(probe);
            Assert.Equal(JsonValueKind.String, document.RootElement.GetProperty("status").ValueKind);
        }
    }

    private static void AssertErrorBody(byte[] body, string name)
    {
        using var document = JsonDocument.Parse(body);
        var members = document.RootElement.EnumerateObject().ToList();
        Assert.True(members.Count == 1 && members[0].Name == "Error", name + ": " + Text(body));
        Assert.True(members[0].Value.ValueKind == JsonValueKind.String && members[0].Value.GetString()!.Length > 0, name);
    }

    private static string Text(ReadOnlySpan<byte> utf8) => System.Text.Encoding.UTF8.GetString(utf8);
}
