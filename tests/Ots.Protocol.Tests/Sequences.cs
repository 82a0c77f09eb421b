using System.Buffers;
using System.Text;

namespace Ots.Protocol.Tests;

/// <summary>Builds the inputs the tables are run over: whole, split in two at an offset, one byte per segment.</summary>
internal static class Sequences
{
    /// <summary>Test text to bytes, one byte per char (Latin-1), so control and high bytes can be written inline.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>A sequence made of the given parts, each copied to its own array (so nothing can read past a segment).</summary>
    public static ReadOnlySequence<byte> Of(IReadOnlyList<byte[]> parts)
    {
        if (parts.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new BufferSegment(parts[0].ToArray());
        var last = first;
        for (var i = 1; i < parts.Count; i++)
        {
            last = last.Append(parts[i].ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Two segments, the first holding <paramref name="offset"/> bytes (either may be empty).</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int offset) => Of([bytes[..offset], bytes[offset..]]);

    /// <summary>One segment per byte (K's <c>BytePerSegmentTestSequenceFactory</c>).</summary>
    public static ReadOnlySequence<byte> BytePerSegment(byte[] bytes)
    {
        var parts = new byte[bytes.Length][];
        for (var i = 0; i < bytes.Length; i++)
        {
            parts[i] = [bytes[i]];
        }

        return Of(parts);
    }

    /// <summary>Every shape a table row is run in: whole, each two-way split, one byte per segment.</summary>
    public static IEnumerable<(string Shape, ReadOnlySequence<byte> Sequence)> AllShapes(byte[] bytes)
    {
        yield return ("whole", new ReadOnlySequence<byte>(bytes));
        for (var offset = 0; offset <= bytes.Length; offset++)
        {
            yield return ("split at " + offset, SplitAt(bytes, offset));
        }

        yield return ("one byte per segment", BytePerSegment(bytes));
    }
}
