using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Ots.Crypto;
using Ots.Edge.Store;
using Ots.Twin;
using StackExchange.Redis;

// The twin: Ots as most .NET teams would write it — an ASP.NET Core minimal API with DTOs and a source-generated
// JsonSerializerContext — over the same crypto calls (Ots.Crypto) and the same store code (SecretStore) as the
// edge, with the edge's routes, status codes and error bodies. It exists only to be measured against the edge.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, TwinJsonContext.Default));
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = Api.MaxBodyBytes;
});

var storeConfiguration = builder.Configuration["store"];
if (string.IsNullOrWhiteSpace(storeConfiguration))
{
    await Console.Error.WriteLineAsync("twin: pass --store host:port of a Garnet or Redis server");
    return 2;
}

using var multiplexer = await StoreConnection.ConnectAsync(storeConfiguration, StoreConnection.DefaultTimeout);
builder.Services.AddSingleton(new SecretStore(multiplexer, Api.MaxPhraseAttempts));

var app = builder.Build();

// Responses may carry a secret: no cache may keep one (the edge sends the same header).
app.Use((context, next) =>
{
    context.Response.Headers.CacheControl = "no-store";
    return next(context);
});

app.MapMethods("/healthz", ["GET", "HEAD"], () => Results.Json(new StatusResponse("ok"), TwinJsonContext.Default.StatusResponse));

app.MapPost("/generate", async (HttpRequest request, SecretStore store) =>
{
    GenerateRequest? body;
    try
    {
        // Read by hand rather than bound as a parameter: the contract accepts any request Content-Type (curl -d
        // sends a form type) and wants its own 400 body, where parameter binding answers 415 or an empty 400.
        body = await JsonSerializer.DeserializeAsync(request.Body, TwinJsonContext.Default.GenerateRequest);
    }
    catch (JsonException)
    {
        return Api.Error(StatusCodes.Status400BadRequest, Api.GenerateParametersRequired);
    }

    if (body?.Secret is null || body.Phrase is null)
    {
        return Api.Error(StatusCodes.Status400BadRequest, Api.GenerateParametersRequired);
    }

    var ttlError = Api.TryGetTtl(body.Ttl, out var ttl);
    if (ttlError is not null)
    {
        return Api.Error(StatusCodes.Status400BadRequest, ttlError);
    }

    var secret = Encoding.UTF8.GetBytes(body.Secret);
    var phrase = Encoding.UTF8.GetBytes(body.Phrase);
    var rawKey = new byte[SecretKey.RawLength];
    var derived = new byte[KeyDerivation.OutputLength];
    var record = new byte[SecretCipher.GetRecordLength(secret.Length)];
    try
    {
        SecretKey.Generate(rawKey);
        KeyDerivation.Derive(rawKey, phrase, [], derived);
        SecretCipher.Seal(derived.AsSpan(0, KeyDerivation.AesKeyLength), rawKey.AsSpan(0, SecretKey.IdLength), secret, record);
        var stored = await store.CreateAsync(
            rawKey.AsMemory(0, SecretKey.IdLength),
            derived.AsMemory(KeyDerivation.AesKeyLength, KeyDerivation.RecordTagLength),
            record,
            ttl);
        if (!stored)
        {
            return Api.Error(StatusCodes.Status503ServiceUnavailable, Api.ServiceUnavailable);
        }

        var key = new byte[SecretKey.EncodedLength];
        SecretKey.Encode(rawKey, key);
        return Results.Json(new GenerateResponse(Encoding.ASCII.GetString(key)), TwinJsonContext.Default.GenerateResponse, statusCode: StatusCodes.Status201Created);
    }
    catch (Exception exception) when (exception is RedisException or TimeoutException)
    {
        return Api.Error(StatusCodes.Status503ServiceUnavailable, Api.ServiceUnavailable);
    }
    finally
    {
        CryptographicOperations.ZeroMemory(secret);
        CryptographicOperations.ZeroMemory(phrase);
        CryptographicOperations.ZeroMemory(rawKey);
        CryptographicOperations.ZeroMemory(derived);
    }
});

app.MapPost("/secrets/{key}", async (string key, HttpRequest request, SecretStore store) =>
{
    RevealRequest? body;
    try
    {
        body = await JsonSerializer.DeserializeAsync(request.Body, TwinJsonContext.Default.RevealRequest);
    }
    catch (JsonException)
    {
        return Api.Error(StatusCodes.Status400BadRequest, Api.RevealParametersRequired);
    }

    if (body?.Phrase is null)
    {
        return Api.Error(StatusCodes.Status400BadRequest, Api.RevealParametersRequired);
    }

    var rawKey = new byte[SecretKey.RawLength];
    if (!SecretKey.TryDecode(Encoding.UTF8.GetBytes(key), rawKey))
    {
        return Api.Error(StatusCodes.Status404NotFound, Api.KeyNotFound);
    }

    var phrase = Encoding.UTF8.GetBytes(body.Phrase);
    var derived = new byte[KeyDerivation.OutputLength];
    try
    {
        KeyDerivation.Derive(rawKey, phrase, [], derived);
        using var result = await store.RevealAsync(
            rawKey.AsMemory(0, SecretKey.IdLength),
            derived.AsMemory(KeyDerivation.AesKeyLength, KeyDerivation.RecordTagLength));
        switch (result.Outcome)
        {
            case RevealOutcome.Revealed:
                var plaintextLength = SecretCipher.GetPlaintextLength(result.Record.Length);
                var plaintext = new byte[Math.Max(plaintextLength, 0)];
                if (plaintextLength < 0 ||
                    !SecretCipher.TryOpen(derived.AsSpan(0, KeyDerivation.AesKeyLength), rawKey.AsSpan(0, SecretKey.IdLength), result.Record.Span, plaintext))
                {
                    return Api.Error(StatusCodes.Status404NotFound, Api.KeyNotFound);
                }

                var secret = Encoding.UTF8.GetString(plaintext);
                CryptographicOperations.ZeroMemory(plaintext);
                return Results.Json(new RevealResponse(secret), TwinJsonContext.Default.RevealResponse);
            case RevealOutcome.WrongPhrase:
                return Api.Error(StatusCodes.Status403Forbidden, Api.IncorrectPhrase);
            default:
                return Api.Error(StatusCodes.Status404NotFound, Api.KeyNotFound);
        }
    }
    catch (Exception exception) when (exception is RedisException or TimeoutException)
    {
        return Api.Error(StatusCodes.Status503ServiceUnavailable, Api.ServiceUnavailable);
    }
    finally
    {
        CryptographicOperations.ZeroMemory(phrase);
        CryptographicOperations.ZeroMemory(rawKey);
        CryptographicOperations.ZeroMemory(derived);
    }
});

await app.RunAsync();
return 0;
