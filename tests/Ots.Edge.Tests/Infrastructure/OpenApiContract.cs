using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>
/// <c>docs/openapi.yaml</c> as a JSON tree, and checks of real responses against it: the status is documented for
/// the operation, the Content-Type is the documented one, documented header constants hold, and a JSON body is valid
/// under the response's schema (JSON Schema 2020-12, which OpenAPI 3.1 schemas are).
/// </summary>
/// <remarks>
/// The YAML is read with YamlDotNet's representation model and turned into JSON here, with YAML 1.2 core-schema
/// typing of plain scalars (null, booleans, integers, floats; anything quoted is a string). A JSON twin of the
/// document would need a generator and a test that the twin is current; reading the one file that is served is
/// simpler and cannot drift.
/// </remarks>
public sealed partial class OpenApiContract
{
    private static int s_schemaCount;

    private OpenApiContract(JsonObject document) => Document = document;

    /// <summary>The document.</summary>
    public JsonObject Document { get; }

    /// <summary>The repository's <c>docs/openapi.yaml</c>, found by walking up from the test assembly.</summary>
    public static string DocumentPath { get; } = FindDocument();

    /// <summary>Loads the repository's document.</summary>
    public static OpenApiContract Load() => Parse(File.ReadAllText(DocumentPath));

    /// <summary>Parses YAML text into the contract.</summary>
    public static OpenApiContract Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = ToJson(stream.Documents.Single().RootNode);
        return new OpenApiContract(Assert.IsType<JsonObject>(root));
    }

    /// <summary>Converts a YAML node to JSON (YAML 1.2 core schema for plain scalars).</summary>
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value ?? "", ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray(sequence.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new NotSupportedException("YAML node " + node.NodeType),
    };

    /// <summary>The response object of <paramref name="path"/> <paramref name="method"/> for <paramref name="status"/>, references resolved.</summary>
    public JsonObject Response(string path, string method, int status)
    {
        var operation = Document["paths"]?[path]?[method.ToLowerInvariant()] as JsonObject;
        Assert.True(operation is not null, "no operation " + method + " " + path + " in openapi.yaml");
        var response = operation["responses"]?[status.ToString(CultureInfo.InvariantCulture)];
        Assert.True(response is not null, "openapi.yaml does not document " + status + " for " + method + " " + path);
        return Resolve(response);
    }

    /// <summary><c>components.responses.NAME</c>.</summary>
    public JsonObject ComponentResponse(string name)
    {
        var response = Document["components"]?["responses"]?[name];
        Assert.True(response is not null, "no components.responses." + name);
        return Resolve(response);
    }

    /// <summary>Checks <paramref name="actual"/> against the documented response of <paramref name="path"/>.</summary>
    public void AssertResponse(string path, string method, RawResponse actual) =>
        AssertMatches(Response(path, method, actual.Status), actual, method + " " + path + " " + actual.Status, method == "HEAD");

    /// <summary>Checks <paramref name="actual"/> against a documented response object.</summary>
    public void AssertMatches(JsonObject response, RawResponse actual, string what, bool head = false)
    {
        if (response["headers"] is JsonObject headers)
        {
            foreach (var (name, header) in headers)
            {
                var value = actual.Header(name);
                Assert.True(value is not null, what + ": documented header " + name + " is missing");
                var schema = Resolve(header!)["schema"]!.DeepClone();
                // A header is text; a documented integer (Retry-After) is compared as the number it spells.
                JsonNode headerValue = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                    ? JsonValue.Create(number)
                    : JsonValue.Create(value);
                AssertValid(schema, headerValue, what + ": header " + name);
            }
        }

        if (response["content"] is not JsonObject content)
        {
            Assert.True(head || actual.Body.Length == 0, what + ": documented without content, but has a body");
            return;
        }

        var contentType = actual.Header("Content-Type") ?? "";
        var mediaType = content.Select(entry => entry.Key).FirstOrDefault(documented => Matches(documented, contentType));
        Assert.True(mediaType is not null, what + ": Content-Type " + contentType + " is not among " + string.Join(", ", content.Select(e => e.Key)));
        if (head || !mediaType.StartsWith("application/json", StringComparison.Ordinal))
        {
            return;
        }

        AssertBody(content[mediaType]!["schema"]!, actual.BodyText, what);
    }

    /// <summary>Validates a JSON body against a schema of the document.</summary>
    public void AssertBody(JsonNode schema, string json, string what) => AssertValid(schema.DeepClone(), JsonNode.Parse(json), what);

    private void AssertValid(JsonNode schema, JsonNode? instance, string what)
    {
        // The component schemas go along as $defs, and the document's references are pointed at them.
        var wrapper = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = Document["components"]!["schemas"]!.DeepClone(),
            ["allOf"] = new JsonArray(schema),
        };
        var text = wrapper.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var id = Interlocked.Increment(ref s_schemaCount);
        var compiled = JsonSchema.FromText(text, baseUri: new Uri("https://ots.test/openapi/" + id.ToString(CultureInfo.InvariantCulture)));
        using var document = JsonDocument.Parse(instance?.ToJsonString() ?? "null");
        var result = compiled.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, what + ": " + (instance?.ToJsonString() ?? "null") + " is not valid: " + JsonSerializer.Serialize(result));
    }

    private JsonObject Resolve(JsonNode node)
    {
        while (node is JsonObject { } obj && obj["$ref"] is JsonValue reference)
        {
            var pointer = reference.GetValue<string>();
            Assert.StartsWith("#/", pointer, StringComparison.Ordinal);
            JsonNode? target = Document;
            foreach (var part in pointer[2..].Split('/'))
            {
                target = target?[part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
            }

            Assert.True(target is not null, "unresolved reference " + pointer);
            node = target;
        }

        return Assert.IsType<JsonObject>(node);
    }

    private static bool Matches(string documented, string actual)
    {
        // "text/plain; version=0.0.4" documents "text/plain; version=0.0.4; charset=utf-8": the documented media type
        // and parameters must all be present.
        var actualParts = actual.Split(';', StringSplitOptions.TrimEntries);
        return documented.Split(';', StringSplitOptions.TrimEntries).All(part => actualParts.Contains(part, StringComparer.OrdinalIgnoreCase));
    }

    private static JsonValue? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (value is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            return JsonValue.Create(value.Equals("true", StringComparison.OrdinalIgnoreCase));
        }

        if (IntegerPattern().IsMatch(value))
        {
            return JsonValue.Create(long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
        }

        if (FloatPattern().IsMatch(value))
        {
            return JsonValue.Create(double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        return JsonValue.Create(value);
    }

    private static string FindDocument()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "docs", "openapi.yaml");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("docs/openapi.yaml not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
