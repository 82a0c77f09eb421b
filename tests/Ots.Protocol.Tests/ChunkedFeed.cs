using System.Buffers;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>
/// Drives a <see cref="ChunkedDecoder"/> the way a connection does: each read appends a piece behind the bytes the
/// previous <c>Decode</c> left unconsumed (as a second segment), until the decoder completes or rejects.
/// </summary>
internal sealed record ChunkedFeed(ParseStatus Status, RejectReason Reason, byte[] Body, byte[] Rest, string Trace)
{
    public static ChunkedFeed Run(IReadOnlyList<byte[]> pieces, int bodyLimit)
    {
        var decoder = default(ChunkedDecoder);
        var body = new byte[bodyLimit];
        var pending = Array.Empty<byte>();
        var trace = new List<string>();
        var status = ParseStatus.Incomplete;
        var reason = RejectReason.None;
        var next = 0;
        while (next < pieces.Count)
        {
            var piece = pieces[next++];
            var sequence = Sequences.Of(pending.Length == 0 ? [piece] : [pending, piece]);
            var reader = new SequenceReader<byte>(sequence);
            status = decoder.Decode(ref reader, body, out reason);
            pending = sequence.Slice(reader.Position).ToArray();
            trace.Add(status.ToString());
            if (status != ParseStatus.Incomplete)
            {
                break;
            }

            if (reason != RejectReason.None)
            {
                throw new InvalidOperationException("Incomplete with a reason: " + reason);
            }
        }

        var rest = pending.Concat(pieces.Skip(next).SelectMany(p => p)).ToArray();
        return new ChunkedFeed(status, reason, body[..decoder.Length], rest, string.Join(",", trace));
    }

    /// <summary>Whole, split in two at every offset, and one byte per read.</summary>
    public static IEnumerable<(string Shape, byte[][] Pieces)> Shapes(byte[] wire)
    {
        yield return ("whole", [wire]);
        for (var offset = 0; offset <= wire.Length; offset++)
        {
            yield return ("split at " + offset, [wire[..offset], wire[offset..]]);
        }

        yield return ("one byte per read", wire.Select(b => new[] { b }).ToArray());
    }
}
