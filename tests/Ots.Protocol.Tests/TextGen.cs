using CsCheck;

namespace Ots.Protocol.Tests;

/// <summary>Random Unicode text for the JSON property tests: ASCII, control characters, JSON's special characters, BMP and non-BMP.</summary>
internal static class TextGen
{
    private static readonly Gen<int> s_codePoint = Gen.Frequency(
        (4, Gen.Int[0x20, 0x7E]),
        (2, Gen.Int[0x00, 0x1F]),
        (2, Gen.OneOf('"', '\\', '/', 0x7F, 0x80, 0x2028, 0x2029, 0xFEFF, 0xFFFD, 0xFFFF, '<', '>', '&', '\'', '+', '`')),
        (2, Gen.Int[0x80, 0xD7FF]),
        (1, Gen.Int[0xE000, 0xFFFF]),
        (2, Gen.Int[0x10000, 0x10FFFF]));

    /// <summary>0 to 40 code points, never a lone surrogate.</summary>
    public static readonly Gen<string> Text = s_codePoint.Array[0, 40].Select(codePoints => string.Concat(codePoints.Select(char.ConvertFromUtf32)));

    /// <summary>Up to three cut points for splitting a body into segments (taken modulo its length).</summary>
    public static readonly Gen<int[]> Cuts = Gen.Int[0, 100_000].Array[0, 3];

    /// <summary>The body cut at <paramref name="cuts"/> into consecutive segments.</summary>
    public static System.Buffers.ReadOnlySequence<byte> Split(byte[] body, int[] cuts)
    {
        var offsets = cuts.Select(c => body.Length == 0 ? 0 : c % (body.Length + 1)).Append(0).Append(body.Length).Distinct().Order().ToArray();
        var parts = new List<byte[]>();
        for (var i = 1; i < offsets.Length; i++)
        {
            parts.Add(body[offsets[i - 1]..offsets[i]]);
        }

        return Sequences.Of(parts);
    }
}
