using System.Buffers;
using System.Text;
using Ots.Protocol.Http;

namespace Ots.Protocol.Tests;

/// <summary>Valid heads (DESIGN §1), each run whole, split in two at every offset, and one byte per segment; every strict prefix is incomplete.</summary>
public class Http1ParserValidTests
{
    private const string Key43 = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE";

    /// <summary>What a valid head must parse to.</summary>
    public sealed record Expected(
        string Request,
        KnownMethod Method,
        RequestTarget Target,
        bool IsHttp11 = true,
        bool KeepAlive = true,
        bool ExpectContinue = false,
        BodyFraming Framing = BodyFraming.None,
        long ContentLength = 0,
        string Key = "",
        int KeyLength = 0);

    private static readonly Dictionary<string, Expected> s_cases = new()
    {
        // Every route with GET, HEAD and POST.
        ["GET /healthz"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["HEAD /healthz"] = new("HEAD /healthz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Head, RequestTarget.Health),
        ["POST /healthz"] = new("POST /healthz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Health),
        ["GET /readyz"] = new("GET /readyz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Ready),
        ["HEAD /readyz"] = new("HEAD /readyz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Head, RequestTarget.Ready),
        ["POST /readyz"] = new("POST /readyz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Ready),
        ["GET /generate"] = new("GET /generate HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Generate),
        ["HEAD /generate"] = new("HEAD /generate HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Head, RequestTarget.Generate),
        ["POST /generate"] = new(
            "POST /generate HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 31\r\n\r\n",
            KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.ContentLength, ContentLength: 31),
        ["GET /secrets/key"] = new("GET /secrets/" + Key43 + " HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Secret, Key: Key43, KeyLength: 43),
        ["HEAD /secrets/key"] = new("HEAD /secrets/" + Key43 + " HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Head, RequestTarget.Secret, Key: Key43, KeyLength: 43),
        ["POST /secrets/key"] = new(
            "POST /secrets/" + Key43 + " HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n\r\n",
            KnownMethod.Post, RequestTarget.Secret, Framing: BodyFraming.ContentLength, ContentLength: 16, Key: Key43, KeyLength: 43),
        ["PUT /generate is another method"] = new("PUT /generate HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Other, RequestTarget.Generate),
        ["DELETE /secrets/key is another method"] = new("DELETE /secrets/abc HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Other, RequestTarget.Secret, Key: "abc", KeyLength: 3),
        ["lowercase method is another method"] = new("post /generate HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Other, RequestTarget.Generate),
        ["GETX is another method"] = new("GETX /healthz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Other, RequestTarget.Health),

        // Paths match exactly; the query is ignored; no percent-decoding.
        ["query ignored on /generate"] = new("POST /generate?x=1&y=/z HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Generate),
        ["empty query on /healthz"] = new("GET /healthz? HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["query ignored on /secrets/key"] = new("POST /secrets/abc?k=/d/e HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Secret, Key: "abc", KeyLength: 3),
        ["/secrets/ is unknown"] = new("POST /secrets/ HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/secrets/?q is unknown"] = new("POST /secrets/?q=1 HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/secrets is unknown"] = new("POST /secrets HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/secrets/a/b is unknown"] = new("POST /secrets/a/b HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/secrets/a/ is unknown"] = new("POST /secrets/a/ HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/generate/ is unknown"] = new("POST /generate/ HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/Generate is unknown"] = new("POST /Generate HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["//generate is unknown"] = new("POST //generate HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Unknown),
        ["/healthz/ is unknown"] = new("GET /healthz/ HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Unknown),
        ["/ is unknown"] = new("GET / HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Unknown),
        ["percent-encoded key kept raw"] = new("POST /secrets/%41bc%2F HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Secret, Key: "%41bc%2F", KeyLength: 8),
        ["44-byte key segment is too long to hold"] = new("POST /secrets/" + Key43 + "x HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Secret, KeyLength: -1),
        ["long key segment with a query"] = new("POST /secrets/" + new string('k', 500) + "?a=b HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Secret, KeyLength: -1),
        ["1-byte key segment"] = new("POST /secrets/x HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Post, RequestTarget.Secret, Key: "x", KeyLength: 1),

        // HTTP/1.0 and persistence (RFC 9112 §9.3).
        ["HTTP/1.0 without Host closes"] = new("GET /healthz HTTP/1.0\r\n\r\n", KnownMethod.Get, RequestTarget.Health, IsHttp11: false, KeepAlive: false),
        ["HTTP/1.0 with Host closes"] = new("GET /healthz HTTP/1.0\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Health, IsHttp11: false, KeepAlive: false),
        ["HTTP/1.0 keep-alive"] = new("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", KnownMethod.Get, RequestTarget.Health, IsHttp11: false),
        ["HTTP/1.0 Keep-Alive mixed case"] = new("GET /healthz HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n", KnownMethod.Get, RequestTarget.Health, IsHttp11: false),
        ["HTTP/1.0 keep-alive and close"] = new("GET /healthz HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", KnownMethod.Get, RequestTarget.Health, IsHttp11: false, KeepAlive: false),
        ["HTTP/1.0 POST with Content-Length"] = new(
            "POST /generate HTTP/1.0\r\nContent-Length: 5\r\n\r\n",
            KnownMethod.Post, RequestTarget.Generate, IsHttp11: false, KeepAlive: false, Framing: BodyFraming.ContentLength, ContentLength: 5),
        ["HTTP/1.1 Connection: close"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", KnownMethod.Get, RequestTarget.Health, KeepAlive: false),
        ["HTTP/1.1 Connection: CLOSE"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\nCONNECTION: CLOSE\r\n\r\n", KnownMethod.Get, RequestTarget.Health, KeepAlive: false),
        ["HTTP/1.1 Connection: Upgrade, close"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: Upgrade,close\r\n\r\n", KnownMethod.Get, RequestTarget.Health, KeepAlive: false),
        ["HTTP/1.1 Connection: keep-alive"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["HTTP/1.1 Connection: closed is not close"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", KnownMethod.Get, RequestTarget.Health),

        // Body framing.
        ["Content-Length 0 means no body"] = new("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", KnownMethod.Post, RequestTarget.Generate),
        ["Content-Length with OWS"] = new("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: \t 42 \t\r\n\r\n", KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.ContentLength, ContentLength: 42),
        ["Content-Length leading zeros"] = new("POST /generate HTTP/1.1\r\nHost: a\r\nContent-Length: 0007\r\n\r\n", KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.ContentLength, ContentLength: 7),
        ["content-length lowercase name"] = new("POST /generate HTTP/1.1\r\nhost: a\r\ncontent-length: 3\r\n\r\n", KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.ContentLength, ContentLength: 3),
        ["Content-Length no space after colon"] = new("POST /generate HTTP/1.1\r\nHOST:a\r\nCONTENT-LENGTH:3\r\n\r\n", KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.ContentLength, ContentLength: 3),
        ["chunked"] = new("POST /generate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.Chunked),
        ["chunked mixed case"] = new("POST /generate HTTP/1.1\r\nHost: a\r\ntransfer-encoding: Chunked\r\n\r\n", KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.Chunked),

        // Expect: 100-continue (RFC 9110 §10.1.1).
        ["Expect 100-continue with Content-Length"] = new(
            "POST /generate HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
            KnownMethod.Post, RequestTarget.Generate, ExpectContinue: true, Framing: BodyFraming.ContentLength, ContentLength: 10),
        ["Expect 100-continue with chunked"] = new(
            "POST /generate HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nexpect: 100-Continue\r\n\r\n",
            KnownMethod.Post, RequestTarget.Generate, ExpectContinue: true, Framing: BodyFraming.Chunked),
        ["Expect 100-continue without a body"] = new("GET /healthz HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["Expect 100-continue ignored on HTTP/1.0"] = new(
            "POST /generate HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n",
            KnownMethod.Post, RequestTarget.Generate, IsHttp11: false, KeepAlive: false, Framing: BodyFraming.ContentLength, ContentLength: 10),

        // Leading empty lines (RFC 9112 §2.2), case-insensitive names, fields we do not read.
        ["leading CRLF"] = new("\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["two leading CRLF"] = new("\r\n\r\nGET /healthz HTTP/1.1\r\nHost: a\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["HoSt mixed case"] = new("GET /healthz HTTP/1.1\r\nhOsT: a\r\n\r\n", KnownMethod.Get, RequestTarget.Health),
        ["unknown fields ignored"] = new(
            "POST /generate HTTP/1.1\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\nHost: a\r\nX-Empty:\r\nX-Tab:\ta\tb\t\r\nX-Obs-Text: caf\u00e9 \u00ff\r\nContent-Length: 1\r\n\r\n",
            KnownMethod.Post, RequestTarget.Generate, Framing: BodyFraming.ContentLength, ContentLength: 1),
        ["names that only start like ours"] = new(
            "GET /healthz HTTP/1.1\r\nHost: a\r\nHosts: b\r\nContent-Lengths: x\r\nX-Content-Length: -1\r\nTransfer-Encodings: gzip\r\nExpects: no\r\n\r\n",
            KnownMethod.Get, RequestTarget.Health),
    };

    public static TheoryData<string> Cases => new(s_cases.Keys);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parses_whole_split_at_every_offset_and_one_byte_per_segment(string name)
    {
        var expected = s_cases[name];
        var request = Sequences.Bytes(expected.Request);
        foreach (var (shape, sequence) in Sequences.AllShapes(request))
        {
            AssertParsed(expected, request.Length, HeadParse.Run(sequence), shape);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Stops_at_the_end_of_the_head_when_a_body_or_the_next_request_follows(string name)
    {
        var expected = s_cases[name];
        var request = Sequences.Bytes(expected.Request);
        foreach (var tail in new[] { "{\"secret\":\"s\",\"phrase\":\"p\"}", "GET /healthz HTTP/1.1\r\nHost: b\r\n\r\n", "\r\n", "\n" })
        {
            var bytes = request.Concat(Sequences.Bytes(tail)).ToArray();
            AssertParsed(expected, request.Length, HeadParse.Run(bytes), "followed by " + tail);
            AssertParsed(expected, request.Length, HeadParse.Run(Sequences.BytePerSegment(bytes)), "one byte per segment, followed by " + tail);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_strict_prefix_is_incomplete_and_consumes_nothing(string name)
    {
        var request = Sequences.Bytes(s_cases[name].Request);
        for (var length = 0; length < request.Length; length++)
        {
            var prefix = request[..length];
            foreach (var sequence in new[] { new ReadOnlySequence<byte>(prefix), Sequences.BytePerSegment(prefix), Sequences.SplitAt(prefix, length / 2) })
            {
                var result = HeadParse.Run(sequence);
                Assert.True(
                    result.Status == ParseStatus.Incomplete && result.HeadLength == 0 && result.Reason == RejectReason.None,
                    $"prefix of {length} bytes: {result.Status} {result.Reason} {result.HeadLength}");
            }
        }
    }

    [Fact]
    public void The_key_span_is_the_raw_segment_and_empty_when_too_long()
    {
        var result = HeadParse.Run(HeadParse.Request("POST /secrets/" + Key43 + "?x HTTP/1.1", "Host: a"));
        Assert.Equal(ParseStatus.Complete, result.Status);
        var head = result.Head;
        Assert.Equal(Key43, Encoding.ASCII.GetString(head.KeySpan));

        result = HeadParse.Run(HeadParse.Request("POST /secrets/" + Key43 + "A HTTP/1.1", "Host: a"));
        head = result.Head;
        Assert.Equal(-1, head.KeyLength);
        Assert.True(head.KeySpan.IsEmpty);
    }

    private static void AssertParsed(Expected expected, long headLength, HeadParse actual, string shape)
    {
        var head = actual.Head;
        var because = " (" + shape + ")";
        Assert.True(actual.Status == ParseStatus.Complete, actual.Status + " " + actual.Reason + because);
        Assert.True(actual.Reason == RejectReason.None, "reason" + because);
        Assert.True(headLength == actual.HeadLength, $"head length {actual.HeadLength}, expected {headLength}{because}");
        Assert.True(expected.Method == head.Method, "method " + head.Method + because);
        Assert.True(expected.Target == head.Target, "target " + head.Target + because);
        Assert.True(expected.IsHttp11 == head.IsHttp11, "IsHttp11" + because);
        Assert.True(expected.KeepAlive == head.KeepAlive, "KeepAlive" + because);
        Assert.True(expected.ExpectContinue == head.ExpectContinue, "ExpectContinue" + because);
        Assert.True(expected.Framing == head.Framing, "framing " + head.Framing + because);
        Assert.True(expected.ContentLength == head.ContentLength, "content length " + head.ContentLength + because);
        Assert.True(expected.KeyLength == head.KeyLength, "key length " + head.KeyLength + because);
        Assert.True(expected.Key == Encoding.Latin1.GetString(head.KeySpan), "key " + Encoding.Latin1.GetString(head.KeySpan) + because);
    }
}
