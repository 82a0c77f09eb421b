using System.Buffers;
using System.Text;

namespace Ots.Protocol.Http;

/// <summary>
/// Parses an HTTP/1.x request line and header section (RFC 9112) into a <see cref="RequestHead"/>.
/// Stateless: it is handed everything buffered so far and either finds a complete head, asks for more
/// (consuming nothing), or rejects with a reason. Client input never throws and never allocates.
/// </summary>
public static class Http1Parser
{
    /// <summary>
    /// Parses the head at the start of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="buffer">Everything received and not yet consumed.</param>
    /// <param name="maxBodyBytes">A <c>Content-Length</c> above this is rejected now, before any body byte is read.</param>
    /// <param name="head">The parsed head when <see cref="ParseStatus.Complete"/>.</param>
    /// <param name="headLength">Bytes of <paramref name="buffer"/> the head occupies when complete.</param>
    /// <param name="reason">Why the request was rejected when <see cref="ParseStatus.Invalid"/>.</param>
    /// <param name="captureForwardedFor">
    /// Also copy the right-most <c>X-Forwarded-For</c> entry into <see cref="RequestHead.ForwardedFor"/> (a trusted
    /// proxy names the client there); off by default, so the header is then skipped like any other.
    /// </param>
    public static ParseStatus TryParseHead(
        in ReadOnlySequence<byte> buffer, long maxBodyBytes, out RequestHead head, out long headLength, out RejectReason reason, bool captureForwardedFor = false)
    {
        head = default;
        headLength = 0;
        reason = RejectReason.None;
        var reader = new SequenceReader<byte>(buffer);
        byte[]? rented = null;
        try
        {
            return ParseHead(ref reader, maxBodyBytes, captureForwardedFor, ref head, ref rented, out headLength, out reason);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static ParseStatus ParseHead(
        ref SequenceReader<byte> reader, long maxBodyBytes, bool captureForwardedFor, ref RequestHead head, ref byte[]? rented, out long headLength, out RejectReason reason)
    {
        headLength = 0;

        // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request line
        // (some clients send a CRLF after a POST body).
        while (reader.Consumed <= HttpLimits.MaxRequestLineBytes && reader.IsNext("\r\n"u8, advancePast: true))
        {
        }

        // Skipped lines are not consumed until the head completes, so they stay in the caller's buffer: bound them too.
        if (reader.Consumed > HttpLimits.MaxRequestLineBytes)
        {
            return Reject(RejectReason.RequestLineTooLong, out reason);
        }

        if (!reader.TryReadTo(out ReadOnlySequence<byte> requestLine, (byte)'\n'))
        {
            // N bytes and the CR of the CRLF may be pending; anything longer is over the limit whatever comes next.
            if (reader.Remaining > HttpLimits.MaxRequestLineBytes &&
                !(reader.Remaining == HttpLimits.MaxRequestLineBytes + 1 && EndsWithCr(reader)))
            {
                return Reject(RejectReason.RequestLineTooLong, out reason);
            }

            // Garbage (a TLS hello, a binary protocol) is refused at once instead of after the header timeout.
            return StartsWithInvalidMethod(reader)
                ? Reject(RejectReason.InvalidRequestLine, out reason)
                : Incomplete(out reason);
        }

        if (requestLine.Length > HttpLimits.MaxRequestLineBytes + 1)
        {
            return Reject(RejectReason.RequestLineTooLong, out reason);
        }

        var line = Flatten(requestLine, ref rented);
        if (line.IsEmpty || line[^1] != (byte)'\r')
        {
            return Reject(RejectReason.BareLineFeed, out reason);
        }

        if (!TryParseRequestLine(line[..^1], ref head, out reason))
        {
            return ParseStatus.Invalid;
        }

        var headersStart = reader.Consumed;
        var fields = new HeaderFields { CaptureForwardedFor = captureForwardedFor };
        while (true)
        {
            if (!reader.TryReadTo(out ReadOnlySequence<byte> headerLine, (byte)'\n'))
            {
                return reader.Consumed - headersStart + reader.Remaining > HttpLimits.MaxHeaderBytes
                    ? Reject(RejectReason.HeadersTooLarge, out reason)
                    : Incomplete(out reason);
            }

            if (reader.Consumed - headersStart > HttpLimits.MaxHeaderBytes)
            {
                return Reject(RejectReason.HeadersTooLarge, out reason);
            }

            line = Flatten(headerLine, ref rented);
            if (line.IsEmpty || line[^1] != (byte)'\r')
            {
                return Reject(RejectReason.BareLineFeed, out reason);
            }

            line = line[..^1];
            if (line.IsEmpty)
            {
                break; // End of the header section.
            }

            if (++fields.Count > HttpLimits.MaxHeaderCount)
            {
                return Reject(RejectReason.TooManyHeaders, out reason);
            }

            if (!TryParseHeaderLine(line, ref head, ref fields, out reason))
            {
                return ParseStatus.Invalid;
            }
        }

        if (!TryApplyFraming(in fields, maxBodyBytes, ref head, out reason))
        {
            return ParseStatus.Invalid;
        }

        headLength = reader.Consumed;
        return ParseStatus.Complete;
    }

    /// <summary>What the header lines said, gathered before framing is decided (order of fields must not matter).</summary>
    private struct HeaderFields
    {
        public int Count;
        public int HostCount;
        public int ContentLengthCount;
        public long ContentLength;
        public bool HasTransferEncoding;
        public bool ConnectionClose;
        public bool ConnectionKeepAlive;
        public bool ExpectContinue;
        public bool CaptureForwardedFor;
    }

    private static bool TryParseRequestLine(ReadOnlySpan<byte> line, ref RequestHead head, out RejectReason reason)
    {
        // method SP request-target SP HTTP-version, single spaces (RFC 9112 §3).
        var firstSpace = line.IndexOf((byte)' ');
        if (firstSpace <= 0)
        {
            return Fail(RejectReason.InvalidRequestLine, out reason);
        }

        var method = line[..firstSpace];
        var rest = line[(firstSpace + 1)..];
        var secondSpace = rest.IndexOf((byte)' ');
        if (secondSpace <= 0)
        {
            return Fail(RejectReason.InvalidRequestLine, out reason);
        }

        var target = rest[..secondSpace];
        var version = rest[(secondSpace + 1)..];

        if (method.IndexOfAnyExcept(HttpSyntax.TokenChars) >= 0 || target.IndexOfAnyExcept(HttpSyntax.TargetChars) >= 0)
        {
            return Fail(RejectReason.InvalidRequestLine, out reason);
        }

        if (version.SequenceEqual("HTTP/1.1"u8))
        {
            head.IsHttp11 = true;
        }
        else if (!version.SequenceEqual("HTTP/1.0"u8))
        {
            return Fail(IsHttpVersion(version) ? RejectReason.UnsupportedHttpVersion : RejectReason.InvalidRequestLine, out reason);
        }

        // Only origin-form is served: this is not a proxy (absolute-form), and no route takes '*' or authority-form.
        if (target[0] != (byte)'/')
        {
            return Fail(RejectReason.InvalidRequestLine, out reason);
        }

        head.Method = method switch
        {
            _ when method.SequenceEqual("POST"u8) => KnownMethod.Post,
            _ when method.SequenceEqual("GET"u8) => KnownMethod.Get,
            _ when method.SequenceEqual("HEAD"u8) => KnownMethod.Head,
            _ => KnownMethod.Other,
        };

        MatchTarget(target, ref head);
        reason = RejectReason.None;
        return true;
    }

    private static bool StartsWithInvalidMethod(SequenceReader<byte> reader)
    {
        if (reader.Remaining == 1 && reader.IsNext((byte)'\r'))
        {
            return false; // The first half of an empty line before the request line.
        }

        // The method is every byte up to the first SP, and all of them are tchars. Walk the segments: judging only
        // the first one would answer differently depending on how the bytes happened to arrive.
        long methodLength = 0;
        while (!reader.End)
        {
            var span = reader.UnreadSpan;
            var end = span.IndexOfAnyExcept(HttpSyntax.TokenChars);
            if (end >= 0)
            {
                return span[end] != (byte)' ' || methodLength + end == 0;
            }

            methodLength += span.Length;
            reader.Advance(span.Length);
        }

        return false; // Only tchars so far: a method still arriving.
    }

    private static bool EndsWithCr(SequenceReader<byte> reader)
    {
        reader.Advance(reader.Remaining - 1);
        return reader.IsNext((byte)'\r');
    }

    private static bool IsHttpVersion(ReadOnlySpan<byte> version) =>
        version.Length == 8 && version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) &&
        version[6] == (byte)'.' && char.IsAsciiDigit((char)version[7]);

    private static void MatchTarget(ReadOnlySpan<byte> target, ref RequestHead head)
    {
        // The query is ignored; paths match exactly and are never percent-decoded (keys are base64url).
        var query = target.IndexOf((byte)'?');
        var path = query >= 0 ? target[..query] : target;

        if (path.SequenceEqual("/generate"u8))
        {
            head.Target = RequestTarget.Generate;
        }
        else if (path.StartsWith("/secrets/"u8))
        {
            var key = path["/secrets/".Length..];
            if (key.IsEmpty || key.Contains((byte)'/'))
            {
                head.Target = RequestTarget.Unknown;
                return;
            }

            head.Target = RequestTarget.Secret;
            if (key.Length <= KeySegment.Capacity)
            {
                key.CopyTo(head.Key);
                head.KeyLength = key.Length;
            }
            else
            {
                head.KeyLength = -1;
            }
        }
        else if (path.SequenceEqual("/healthz"u8))
        {
            head.Target = RequestTarget.Health;
        }
        else if (path.SequenceEqual("/readyz"u8))
        {
            head.Target = RequestTarget.Ready;
        }
        else if (path.SequenceEqual("/metrics"u8))
        {
            head.Target = RequestTarget.Metrics;
        }
        else if (path.SequenceEqual("/openapi.yaml"u8))
        {
            head.Target = RequestTarget.OpenApi;
        }
        else
        {
            head.Target = RequestTarget.Unknown;
        }
    }

    private static bool TryParseHeaderLine(ReadOnlySpan<byte> line, ref RequestHead head, ref HeaderFields fields, out RejectReason reason)
    {
        if (line[0] is (byte)' ' or (byte)'\t')
        {
            return Fail(RejectReason.ObsoleteLineFolding, out reason);
        }

        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return Fail(RejectReason.InvalidHeaderName, out reason);
        }

        // No whitespace is allowed between the name and the colon (RFC 9112 §5.1): the token check catches it.
        var name = line[..colon];
        if (name.IndexOfAnyExcept(HttpSyntax.TokenChars) >= 0)
        {
            return Fail(RejectReason.InvalidHeaderName, out reason);
        }

        var rawValue = line[(colon + 1)..];
        if (rawValue.IndexOfAnyExcept(HttpSyntax.FieldValueChars) >= 0)
        {
            return Fail(RejectReason.InvalidHeaderValue, out reason);
        }

        var value = HttpSyntax.TrimWhitespace(rawValue);
        reason = RejectReason.None;

        // Dispatch on length first: most names are none of ours and leave after one compare.
        switch (name.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(name, "Host"u8):
                fields.HostCount++;
                return fields.HostCount == 1 || Fail(RejectReason.InvalidHost, out reason);

            case 6 when Ascii.EqualsIgnoreCase(name, "Expect"u8):
                if (!Ascii.EqualsIgnoreCase(value, "100-continue"u8))
                {
                    return Fail(RejectReason.UnsupportedExpectation, out reason);
                }

                fields.ExpectContinue = true;
                return true;

            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                ReadConnectionOptions(value, ref fields);
                return true;

            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                if (++fields.ContentLengthCount > 1)
                {
                    return Fail(RejectReason.MultipleContentLength, out reason);
                }

                return TryParseContentLength(value, out fields.ContentLength) || Fail(RejectReason.InvalidContentLength, out reason);

            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                if (!head.IsHttp11)
                {
                    return Fail(RejectReason.TransferEncodingOnHttp10, out reason);
                }

                // Exactly one field holding exactly "chunked": a list ("gzip, chunked") or a second field is a
                // coding we do not implement, and the classic way to desynchronise front and back ends.
                if (fields.HasTransferEncoding || !Ascii.EqualsIgnoreCase(value, "chunked"u8))
                {
                    return Fail(RejectReason.UnsupportedTransferEncoding, out reason);
                }

                fields.HasTransferEncoding = true;
                return true;

            case 15 when fields.CaptureForwardedFor && Ascii.EqualsIgnoreCase(name, "X-Forwarded-For"u8):
                CaptureRightmostEntry(value, ref head);
                return true;

            default:
                return true;
        }
    }

    private static void CaptureRightmostEntry(ReadOnlySpan<byte> value, ref RequestHead head)
    {
        // X-Forwarded-For = #address, appended to by each proxy: the right-most entry is the one the nearest (trusted)
        // proxy wrote; everything left of it came from the client and proves nothing. Several fields form one list
        // (RFC 9110 §5.3), so a later field's last entry replaces an earlier one's.
        var comma = value.LastIndexOf((byte)',');
        var entry = HttpSyntax.TrimWhitespace(comma >= 0 ? value[(comma + 1)..] : value);
        if (entry.Length > ForwardedForSegment.Capacity)
        {
            head.ForwardedForLength = -1;
            return;
        }

        entry.CopyTo(head.ForwardedFor);
        head.ForwardedForLength = entry.Length;
    }

    private static void ReadConnectionOptions(ReadOnlySpan<byte> value, ref HeaderFields fields)
    {
        // Connection = #connection-option (RFC 9110 §7.6.1): a comma-separated list of tokens.
        foreach (var range in value.Split((byte)','))
        {
            var option = HttpSyntax.TrimWhitespace(value[range]);
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                fields.ConnectionClose = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                fields.ConnectionKeepAlive = true;
            }
        }
    }

    private static bool TryParseContentLength(ReadOnlySpan<byte> value, out long length)
    {
        // 1*DIGIT only (RFC 9110 §8.6): no sign, no whitespace inside, no list.
        length = 0;
        if (value.IsEmpty)
        {
            return false;
        }

        foreach (var b in value)
        {
            var digit = (uint)(b - '0');
            if (digit > 9 || length > (long.MaxValue - digit) / 10)
            {
                return false;
            }

            length = (length * 10) + digit;
        }

        return true;
    }

    private static bool TryApplyFraming(in HeaderFields fields, long maxBodyBytes, ref RequestHead head, out RejectReason reason)
    {
        if (fields.HasTransferEncoding && fields.ContentLengthCount > 0)
        {
            return Fail(RejectReason.ContentLengthWithTransferEncoding, out reason);
        }

        if (head.IsHttp11 && fields.HostCount == 0)
        {
            return Fail(RejectReason.InvalidHost, out reason);
        }

        if (fields.HasTransferEncoding)
        {
            head.Framing = BodyFraming.Chunked;
        }
        else if (fields.ContentLengthCount > 0)
        {
            if (fields.ContentLength > maxBodyBytes)
            {
                return Fail(RejectReason.BodyTooLarge, out reason);
            }

            head.Framing = fields.ContentLength > 0 ? BodyFraming.ContentLength : BodyFraming.None;
            head.ContentLength = fields.ContentLength;
        }

        head.KeepAlive = head.IsHttp11 ? !fields.ConnectionClose : fields.ConnectionKeepAlive && !fields.ConnectionClose;

        // RFC 9110 §10.1.1: ignore 100-continue from HTTP/1.0 clients; and with no body there is nothing to wait for.
        head.ExpectContinue = fields.ExpectContinue && head.IsHttp11 && head.Framing != BodyFraming.None;
        reason = RejectReason.None;
        return true;
    }

    /// <summary>A line as one span: free when it sits in one segment, else copied to a pooled buffer (never past the limits).</summary>
    private static ReadOnlySpan<byte> Flatten(ReadOnlySequence<byte> line, ref byte[]? rented)
    {
        if (line.IsSingleSegment)
        {
            return line.FirstSpan;
        }

        rented ??= ArrayPool<byte>.Shared.Rent(HttpLimits.MaxHeaderBytes + 2);
        var copy = rented.AsSpan(0, (int)line.Length);
        line.CopyTo(copy);
        return copy;
    }

    private static ParseStatus Incomplete(out RejectReason reason)
    {
        reason = RejectReason.None;
        return ParseStatus.Incomplete;
    }

    private static ParseStatus Reject(RejectReason why, out RejectReason reason)
    {
        reason = why;
        return ParseStatus.Invalid;
    }

    private static bool Fail(RejectReason why, out RejectReason reason)
    {
        reason = why;
        return false;
    }
}
