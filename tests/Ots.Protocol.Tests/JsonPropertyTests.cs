using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using Ots.Protocol.Routes;

namespace Ots.Protocol.Tests;

/// <summary>Round trips through System.Text.Json: whatever a client serialises is read back byte for byte, and what we write parses back.</summary>
public class JsonPropertyTests
{
    private const long Iterations = 3_000;

    [Fact]
    public void Generate_body_serialised_by_System_Text_Json_reads_back_exactly()
    {
        Gen.Select(TextGen.Text, TextGen.Text, Gen.Bool, Gen.Bool, TextGen.Cuts).Sample((secret, phrase, phraseFirst, relaxed, cuts) =>
        {
            var body = Serialise(relaxed, w =>
            {
                if (phraseFirst)
                {
                    w.WriteString("phrase", phrase);
                    w.WriteString("secret", secret);
                }
                else
                {
                    w.WriteString("secret", secret);
                    w.WriteString("phrase", phrase);
                }
            });

            var scratch = new byte[body.Length];
            var error = CreateSecret.TryRead(TextGen.Split(body, cuts), scratch, TtlPolicy.Default, out var request);
            return error == CreateSecretError.None
                && request.Secret(scratch).SequenceEqual(Encoding.UTF8.GetBytes(secret))
                && request.Phrase(scratch).SequenceEqual(Encoding.UTF8.GetBytes(phrase))
                && request.TtlMilliseconds == TtlPolicy.SevenDaysMilliseconds;
        }, iter: Iterations);
    }

    [Fact]
    public void Reveal_body_serialised_by_System_Text_Json_reads_back_exactly()
    {
        Gen.Select(TextGen.Text, TextGen.Text, Gen.Bool, TextGen.Cuts).Sample((phrase, other, relaxed, cuts) =>
        {
            var body = Serialise(relaxed, w =>
            {
                w.WriteString("other", other);
                w.WriteString("phrase", phrase);
            });

            var scratch = new byte[body.Length];
            return RevealSecret.TryRead(TextGen.Split(body, cuts), scratch, out var length)
                && scratch.AsSpan(0, length).SequenceEqual(Encoding.UTF8.GetBytes(phrase));
        }, iter: Iterations);
    }

    [Fact]
    public void Revealed_body_parses_back_to_the_same_secret()
    {
        TextGen.Text.Sample(secret =>
        {
            var utf8 = Encoding.UTF8.GetBytes(secret);
            var output = new byte[RevealSecret.MaxRevealedBodyLength(utf8.Length)];
            var written = RevealSecret.WriteRevealedBody(utf8, output);
            using var document = JsonDocument.Parse(output.AsMemory(0, written));
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.EnumerateObject().Count() == 1
                && root.GetProperty("secret").GetString() == secret;
        }, iter: Iterations);
    }

    [Fact]
    public void Revealed_body_fits_the_advertised_maximum_for_the_worst_characters()
    {
        foreach (var worst in new[] { "\u0001", "\"", "\\", "\u2028", "\U0001F600", "\u007f", "\u00e9", "\uffff" })
        {
            var secret = string.Concat(Enumerable.Repeat(worst, 1000));
            var utf8 = Encoding.UTF8.GetBytes(secret);
            var output = new byte[RevealSecret.MaxRevealedBodyLength(utf8.Length)];
            var written = RevealSecret.WriteRevealedBody(utf8, output);
            using var document = JsonDocument.Parse(output.AsMemory(0, written));
            Assert.Equal(secret, document.RootElement.GetProperty("secret").GetString());
        }
    }

    private static byte[] Serialise(bool relaxed, Action<Utf8JsonWriter> members)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var options = new JsonWriterOptions { Encoder = relaxed ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default };
        using (var writer = new Utf8JsonWriter(buffer, options))
        {
            writer.WriteStartObject();
            members(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
