using System.Buffers;

namespace Ots.Protocol.Http;

/// <summary>
/// Decodes a <c>Transfer-Encoding: chunked</c> body (RFC 9112 §7.1) incrementally into a caller-provided buffer.
/// It keeps its place between reads, so a body dribbled one byte at a time costs linear work; it consumes what
/// it has decoded and leaves an incomplete size line or terminator in the input.
/// </summary>
public struct ChunkedDecoder
{
    private Phase _phase;
    private int _chunkRemaining;
    private int _trailerBytes;
    private int _length;

    private enum Phase : byte
    {
        SizeLine,
        Data,
        DataTerminator,
        Trailer,
        Done,
    }

    /// <summary>Decoded body bytes written so far.</summary>
    public readonly int Length => _length;

    /// <summary>Starts a new body.</summary>
    public void Reset() => this = default;

    /// <summary>
    /// Decodes from <paramref name="reader"/> into <paramref name="body"/> (whose length is the body limit).
    /// Returns <see cref="ParseStatus.Complete"/> after the last chunk and its trailer section.
    /// </summary>
    public ParseStatus Decode(ref SequenceReader<byte> reader, Span<byte> body, out RejectReason reason)
    {
        reason = RejectReason.None;
        while (true)
        {
            switch (_phase)
            {
                case Phase.SizeLine:
                    var sizeStatus = TryReadSizeLine(ref reader, body.Length - _length, out reason);
                    if (sizeStatus != ParseStatus.Complete)
                    {
                        return sizeStatus;
                    }

                    break;

                case Phase.Data:
                    var available = (int)Math.Min(_chunkRemaining, reader.Remaining);
                    if (available == 0)
                    {
                        return ParseStatus.Incomplete;
                    }

                    reader.Sequence.Slice(reader.Position, available).CopyTo(body[_length..]);
                    reader.Advance(available);
                    _length += available;
                    _chunkRemaining -= available;
                    if (_chunkRemaining == 0)
                    {
                        _phase = Phase.DataTerminator;
                    }

                    break;

                case Phase.DataTerminator:
                    if (reader.Remaining < 2)
                    {
                        // One byte can already be judged: anything but CR will never become CRLF.
                        return reader.Remaining == 1 && !reader.IsNext((byte)'\r')
                            ? Invalid(out reason)
                            : ParseStatus.Incomplete;
                    }

                    if (!reader.IsNext("\r\n"u8, advancePast: true))
                    {
                        return Invalid(out reason);
                    }

                    _phase = Phase.SizeLine;
                    break;

                case Phase.Trailer:
                    var trailerStatus = TryReadTrailerLine(ref reader, out reason);
                    if (trailerStatus != ParseStatus.Complete)
                    {
                        return trailerStatus;
                    }

                    break;

                default:
                    return ParseStatus.Complete;
            }
        }
    }

    private ParseStatus TryReadSizeLine(ref SequenceReader<byte> reader, int room, out RejectReason reason)
    {
        reason = RejectReason.None;
        // MaxChunkLineBytes counts the whole line, CRLF included: the LF is not in lineSequence, nor yet in Remaining.
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineSequence, (byte)'\n'))
        {
            return reader.Remaining >= HttpLimits.MaxChunkLineBytes ? Invalid(out reason) : ParseStatus.Incomplete;
        }

        if (lineSequence.Length >= HttpLimits.MaxChunkLineBytes)
        {
            return Invalid(out reason);
        }

        // A size line split across segments is copied to the stack; the limit above bounds it.
        Span<byte> copy = lineSequence.IsSingleSegment ? default : stackalloc byte[HttpLimits.MaxChunkLineBytes];
        ReadOnlySpan<byte> line = copy; // Declared from the stack copy so the compiler scopes it to this method.
        if (lineSequence.IsSingleSegment)
        {
            line = lineSequence.FirstSpan;
        }
        else
        {
            lineSequence.CopyTo(copy);
            line = copy[..(int)lineSequence.Length];
        }

        // chunk-size [ chunk-ext ] CRLF; extensions are ignored but must be free of control bytes.
        if (line.IsEmpty || line[^1] != (byte)'\r')
        {
            return Invalid(out reason);
        }

        line = line[..^1];
        var digits = line.IndexOfAnyExcept(HttpSyntax.HexDigits);
        var hex = digits < 0 ? line : line[..digits];
        var extension = digits < 0 ? default : line[digits..];
        if (hex.IsEmpty || (!extension.IsEmpty && !IsChunkExtension(extension)))
        {
            return Invalid(out reason);
        }

        // Leading zeros are legal; what counts is the value, checked against the room left under the body limit.
        long size = 0;
        foreach (var b in hex)
        {
            size = (size << 4) | (uint)HexValue(b);
            if (size > room)
            {
                reason = RejectReason.BodyTooLarge;
                return ParseStatus.Invalid;
            }
        }

        if (size == 0)
        {
            _phase = Phase.Trailer;
        }
        else
        {
            _chunkRemaining = (int)size;
            _phase = Phase.Data;
        }

        return ParseStatus.Complete;
    }

    private ParseStatus TryReadTrailerLine(ref SequenceReader<byte> reader, out RejectReason reason)
    {
        reason = RejectReason.None;
        if (!reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            return _trailerBytes + reader.Remaining > HttpLimits.MaxHeaderBytes
                ? Reject(RejectReason.HeadersTooLarge, out reason)
                : ParseStatus.Incomplete;
        }

        _trailerBytes += (int)Math.Min(line.Length + 1, HttpLimits.MaxHeaderBytes + 1);
        if (_trailerBytes > HttpLimits.MaxHeaderBytes)
        {
            return Reject(RejectReason.HeadersTooLarge, out reason);
        }

        // Trailer fields are read past, never used; each line must still end in CRLF with no bare CR inside.
        var crIndex = line.PositionOf((byte)'\r');
        if (crIndex is null || !line.GetPosition(1, crIndex.Value).Equals(line.End))
        {
            return Invalid(out reason);
        }

        if (line.Length == 1)
        {
            _phase = Phase.Done;
        }

        return ParseStatus.Complete;
    }

    private static bool IsChunkExtension(ReadOnlySpan<byte> extension)
    {
        // BWS ";" ...: after optional whitespace the first byte must be ';', and no control bytes anywhere.
        var trimmed = extension.TrimStart(HttpSyntax.Whitespace);
        return !trimmed.IsEmpty && trimmed[0] == (byte)';' && extension.IndexOfAnyExcept(HttpSyntax.FieldValueChars) < 0;
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private static ParseStatus Invalid(out RejectReason reason) => Reject(RejectReason.InvalidChunk, out reason);

    private static ParseStatus Reject(RejectReason why, out RejectReason reason)
    {
        reason = why;
        return ParseStatus.Invalid;
    }
}
