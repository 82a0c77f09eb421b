using System.Buffers;
using System.Text.Unicode;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Fuzz;

/// <summary>What one fuzz input is run through.</summary>
internal delegate void Target(ReadOnlySpan<byte> data);

/// <summary>
/// The fuzz targets: the request-head parser, the chunked decoder and the two JSON body readers. Each checks more
/// than "does not throw": the result must not depend on how the bytes were split into segments (the edge sees them
/// as they arrive), consumed lengths stay within the input, and accepted values satisfy their contract.
/// </summary>
internal static class Targets
{
    private const int BodyLimit = 1024;

    /// <summary>A target by name; null or unknown: <see cref="Run"/>, which picks one by the input's first byte.</summary>
    public static Target Select(string? name) => name?.Trim().ToUpperInvariant() switch
    {
        "HEAD" => Head,
        "CHUNKED" => Chunked,
        "CREATE" => Create,
        "REVEAL" => Reveal,
        _ => Run,
    };

    /// <summary>
    /// The combined target: the first byte picks the parser ('H' head, 'C' chunked, 'G' generate body, 'R' reveal
    /// body; any other byte by its value mod 4, so mutations of it still land somewhere), the rest is its input.
    /// </summary>
    public static void Run(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var input = data[1..];
        switch (data[0])
        {
            case (byte)'H': Head(input); break;
            case (byte)'C': Chunked(input); break;
            case (byte)'G': Create(input); break;
            case (byte)'R': Reveal(input); break;
            default:
                Select((data[0] % 4) switch { 0 => "head", 1 => "chunked", 2 => "create", _ => "reveal" })(input);
                break;
        }
    }

    /// <summary><see cref="Http1Parser.TryParseHead"/>: whole, split in two and three, one byte per segment (short inputs), with and without X-Forwarded-For capture.</summary>
    public static void Head(ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        var whole = ParseHead(Segments.Of(bytes), capture: true);
        Check(whole.Status != ParseStatus.Complete || (whole.Length > 0 && whole.Length <= bytes.Length), "head length out of the input", bytes);
        Check(whole.Status == ParseStatus.Complete || whole.Length == 0, "consumed bytes without a complete head", bytes);
        Check(whole.Status == ParseStatus.Invalid ? whole.Reason != RejectReason.None : whole.Reason == RejectReason.None, "reason does not match status", bytes);

        var uncaptured = ParseHead(Segments.Of(bytes), capture: false);
        Check(uncaptured.ForwardedForLength == 0 && uncaptured with { ForwardedForLength = whole.ForwardedForLength, ForwardedFor = whole.ForwardedFor } == whole,
            "X-Forwarded-For capture changed the parse", bytes);

        foreach (var split in SplitPoints(bytes))
        {
            Check(ParseHead(Segments.Of(bytes, split), capture: true) == whole, "split at " + split + " changed the parse", bytes);
        }

        if (bytes.Length > 2)
        {
            var (a, b) = (bytes.Length / 3, 2 * bytes.Length / 3);
            Check(ParseHead(Segments.Of(bytes, a, b), capture: true) == whole, "three segments changed the parse", bytes);
        }

        if (bytes.Length <= 256)
        {
            Check(ParseHead(Segments.BytePerSegment(bytes), capture: true) == whole, "one byte per segment changed the parse", bytes);
        }
    }

    /// <summary><see cref="ChunkedDecoder"/>: all at once versus fed in small pieces the way the read loop feeds it.</summary>
    public static void Chunked(ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        var whole = Decode(bytes, piece: int.MaxValue);
        foreach (var piece in (ReadOnlySpan<int>)[1, 2, 7])
        {
            var fed = Decode(bytes, piece);
            Check(fed.Status == whole.Status && fed.Reason == whole.Reason, "piece size " + piece + " changed the outcome", bytes);
            Check(whole.Status == ParseStatus.Invalid || (fed.Consumed == whole.Consumed && fed.Body == whole.Body), "piece size " + piece + " changed the body", bytes);
        }
    }

    /// <summary><see cref="CreateSecret.TryRead"/>: no exception, accepted fields within the scratch and valid UTF-8, TTL within the policy; split-independent.</summary>
    public static void Create(ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        var policy = new TtlPolicy(60_000, 3_600_000);
        var scratch = new byte[Math.Max(bytes.Length, 1)];
        var error = CreateSecret.TryRead(Segments.Of(bytes), scratch, policy, out var request);
        string? accepted = null;
        if (error == CreateSecretError.None)
        {
            Check(request.SecretLength >= 0 && request.PhraseLength >= 0 && request.SecretLength + request.PhraseLength <= bytes.Length, "fields outside the body", bytes);
            Check(Utf8.IsValid(request.Secret(scratch)) && Utf8.IsValid(request.Phrase(scratch)), "accepted invalid UTF-8", bytes);
            Check(request.TtlMilliseconds >= 1 && request.TtlMilliseconds <= policy.MaxMilliseconds, "ttl outside the policy", bytes);
            accepted = Convert.ToHexString(request.Secret(scratch)) + "/" + Convert.ToHexString(request.Phrase(scratch)) + "/" + request.TtlMilliseconds;
        }

        foreach (var split in SplitPoints(bytes))
        {
            var splitScratch = new byte[scratch.Length];
            var splitError = CreateSecret.TryRead(Segments.Of(bytes, split), splitScratch, policy, out var splitRequest);
            var splitAccepted = splitError == CreateSecretError.None
                ? Convert.ToHexString(splitRequest.Secret(splitScratch)) + "/" + Convert.ToHexString(splitRequest.Phrase(splitScratch)) + "/" + splitRequest.TtlMilliseconds
                : null;
            Check(splitError == error && splitAccepted == accepted, "split at " + split + " changed the result", bytes);
        }
    }

    /// <summary><see cref="RevealSecret.TryRead"/>: no exception, an accepted phrase within the scratch and valid UTF-8; split-independent.</summary>
    public static void Reveal(ReadOnlySpan<byte> data)
    {
        var bytes = data.ToArray();
        var scratch = new byte[Math.Max(bytes.Length, 1)];
        var ok = RevealSecret.TryRead(Segments.Of(bytes), scratch, out var length);
        Check(ok ? length >= 0 && length <= bytes.Length && Utf8.IsValid(scratch.AsSpan(0, length)) : length == -1, "phrase length out of range", bytes);
        var phrase = ok ? Convert.ToHexString(scratch, 0, length) : null;
        foreach (var split in SplitPoints(bytes))
        {
            var splitScratch = new byte[scratch.Length];
            var splitOk = RevealSecret.TryRead(Segments.Of(bytes, split), splitScratch, out var splitLength);
            Check(splitOk == ok && (!ok || Convert.ToHexString(splitScratch, 0, splitLength) == phrase), "split at " + split + " changed the result", bytes);
        }
    }

    private static HeadResult ParseHead(ReadOnlySequence<byte> buffer, bool capture)
    {
        var status = Http1Parser.TryParseHead(buffer, BodyLimit, out var head, out var length, out var reason, capture);
        return new HeadResult(
            status, reason, length, head.Method, head.Target, head.IsHttp11, head.KeepAlive, head.ExpectContinue, head.Framing,
            head.ContentLength, head.KeyLength, Convert.ToHexString(head.KeySpan), head.ForwardedForLength, Convert.ToHexString(head.ForwardedForSpan));
    }

    private static DecodeResult Decode(byte[] input, int piece)
    {
        var decoder = default(ChunkedDecoder);
        var body = new byte[BodyLimit];
        var pending = Array.Empty<byte>();
        var offset = 0;
        long consumed = 0;
        var status = ParseStatus.Incomplete;
        var reason = RejectReason.None;

        // Like the read loop: what was not consumed stays, new bytes are appended, and the decoder sees all of it.
        while (status == ParseStatus.Incomplete && offset < input.Length)
        {
            var take = Math.Min(piece, input.Length - offset);
            pending = [.. pending, .. input.AsSpan(offset, take)];
            offset += take;
            var sequence = Segments.Of(pending, pending.Length / 2);
            var reader = new SequenceReader<byte>(sequence);
            status = decoder.Decode(ref reader, body, out reason);
            Check(reader.Consumed <= pending.Length, "consumed more than given", input);
            Check(decoder.Length <= body.Length, "decoded past the body limit", input);
            consumed += reader.Consumed;
            pending = pending[(int)reader.Consumed..];
        }

        return new DecodeResult(status, reason, consumed, Convert.ToHexString(body, 0, decoder.Length));
    }

    /// <summary>Split points worth checking: the ends (1 and n-1), the middle, and a point the input itself picks.</summary>
    private static IEnumerable<int> SplitPoints(byte[] bytes)
    {
        if (bytes.Length < 2)
        {
            yield break;
        }

        yield return 1;
        yield return bytes.Length / 2;
        yield return bytes.Length - 1;
        yield return 1 + (bytes[^1] % (bytes.Length - 1));
    }

    private static void Check(bool condition, string what, byte[] input)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what + ": " + Convert.ToBase64String(input));
        }
    }

    private sealed record HeadResult(
        ParseStatus Status, RejectReason Reason, long Length, KnownMethod Method, RequestTarget Target, bool IsHttp11, bool KeepAlive,
        bool ExpectContinue, BodyFraming Framing, long ContentLength, int KeyLength, string Key, int ForwardedForLength, string ForwardedFor);

    private sealed record DecodeResult(ParseStatus Status, RejectReason Reason, long Consumed, string Body);
}

/// <summary>Sequences over one array, cut into segments at given offsets.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(byte[] bytes, params ReadOnlySpan<int> cuts)
    {
        if (cuts.IsEmpty || bytes.Length == 0)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        Segment? first = null, last = null;
        var start = 0;
        foreach (var cut in cuts)
        {
            if (cut > start && cut < bytes.Length)
            {
                Append(ref first, ref last, bytes.AsMemory(start, cut - start));
                start = cut;
            }
        }

        Append(ref first, ref last, bytes.AsMemory(start));
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    public static ReadOnlySequence<byte> BytePerSegment(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        Segment? first = null, last = null;
        for (var i = 0; i < bytes.Length; i++)
        {
            Append(ref first, ref last, bytes.AsMemory(i, 1));
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, 1);
    }

    private static void Append(ref Segment? first, ref Segment? last, ReadOnlyMemory<byte> memory)
    {
        var segment = new Segment(memory, last is null ? 0 : last.RunningIndex + last.Memory.Length);
        if (last is null)
        {
            first = segment;
        }
        else
        {
            last.SetNext(segment);
        }

        last = segment;
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public void SetNext(Segment next) => Next = next;
    }
}
