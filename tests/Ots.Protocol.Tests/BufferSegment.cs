using System.Buffers;

namespace Ots.Protocol.Tests;

/// <summary>One segment of a hand-built multi-segment <see cref="ReadOnlySequence{T}"/>, like a pipe hands to a reader.</summary>
internal sealed class BufferSegment : ReadOnlySequenceSegment<byte>
{
    public BufferSegment(ReadOnlyMemory<byte> memory) => Memory = memory;

    /// <summary>Links a new segment after this one and returns it.</summary>
    public BufferSegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new BufferSegment(memory) { RunningIndex = RunningIndex + Memory.Length };
        Next = next;
        return next;
    }
}
