using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ots.Twin;

internal sealed record GenerateRequest(
    [property: JsonPropertyName("secret")] string? Secret,
    [property: JsonPropertyName("phrase")] string? Phrase,
    [property: JsonPropertyName("ttl")] JsonElement? Ttl);

internal sealed record GenerateResponse([property: JsonPropertyName("secret_key")] string SecretKey);

internal sealed record RevealRequest([property: JsonPropertyName("phrase")] string? Phrase);

internal sealed record RevealResponse([property: JsonPropertyName("secret")] string Secret);

internal sealed record ErrorResponse([property: JsonPropertyName("Error")] string Error);

internal sealed record StatusResponse([property: JsonPropertyName("status")] string Status);

/// <summary>Source-generated (de)serializers: no reflection, so the twin publishes with Native AOT too.</summary>
[JsonSourceGenerationOptions(AllowDuplicateProperties = false)]
[JsonSerializable(typeof(GenerateRequest))]
[JsonSerializable(typeof(GenerateResponse))]
[JsonSerializable(typeof(RevealRequest))]
[JsonSerializable(typeof(RevealResponse))]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(StatusResponse))]
internal sealed partial class TwinJsonContext : JsonSerializerContext;
