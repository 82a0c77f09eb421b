using System.Buffers;
using System.Buffers.Text;

namespace Ots.Protocol.Http;

/// <summary>What the response says about the connection (RFC 9112 §9.3).</summary>
public enum ConnectionDirective : byte
{
    /// <summary>HTTP/1.1 default: persistent, no header needed.</summary>
    Default,

    /// <summary><c>Connection: keep-alive</c>, for an HTTP/1.0 client that asked for it.</summary>
    KeepAlive,

    /// <summary><c>Connection: close</c>: the server closes after this response.</summary>
    Close,
}

/// <summary>Which <c>Allow</c> header a 405 carries.</summary>
public enum AllowHeader : byte
{
    /// <summary>None.</summary>
    None,

    /// <summary><c>Allow: POST</c>.</summary>
    Post,

    /// <summary><c>Allow: GET, HEAD</c>.</summary>
    GetHead,
}

/// <summary>The <c>Content-Type</c> of a response.</summary>
public enum MediaType : byte
{
    /// <summary><c>application/json</c>: every API response.</summary>
    Json,

    /// <summary><c>text/plain; version=0.0.4; charset=utf-8</c>: the Prometheus text exposition format.</summary>
    PrometheusText,

    /// <summary><c>application/yaml</c> (RFC 9512): the OpenAPI document.</summary>
    Yaml,
}

/// <summary>
/// Writes complete HTTP/1.1 responses with a JSON body: the header section into one span of the output,
/// with the exact <c>Content-Length</c>, then the body. Nothing is allocated.
/// </summary>
public static class ResponseWriter
{
    // Status line (46) + Content-Type (≤ 56) + Date (37) + Cache-Control (25) + Content-Length (≤ 28) + Connection (≤ 24)
    // + Allow (≤ 18) + CRLF: 236 at most. Retry-After (≤ 25) only goes on a 429, which has no Allow: 243.
    private const int MaxHeaderLength = 256;

    /// <summary>Writes <c>100 Continue</c>.</summary>
    public static void WriteContinue(IBufferWriter<byte> output) => output.Write(Http1Bytes.Continue);

    /// <summary>Writes a response whose body is <paramref name="json"/>.</summary>
    /// <param name="output">The connection's output.</param>
    /// <param name="status">The status code.</param>
    /// <param name="json">The complete body.</param>
    /// <param name="connection">The connection header to send.</param>
    /// <param name="allow">The <c>Allow</c> header of a 405.</param>
    /// <param name="omitBody">A response to <c>HEAD</c>: the headers of the GET response, no body (RFC 9110 §9.3.2).</param>
    /// <param name="retryAfterSeconds">When positive, a <c>Retry-After</c> header with this many seconds (a 429).</param>
    public static void Write(
        IBufferWriter<byte> output,
        HttpStatus status,
        ReadOnlySpan<byte> json,
        ConnectionDirective connection = ConnectionDirective.Default,
        AllowHeader allow = AllowHeader.None,
        bool omitBody = false,
        int retryAfterSeconds = 0) =>
        Write(output, status, MediaType.Json, json, connection, allow, omitBody, retryAfterSeconds);

    /// <summary>Writes a response whose body is <paramref name="content"/> of type <paramref name="mediaType"/>.</summary>
    /// <param name="output">The connection's output.</param>
    /// <param name="status">The status code.</param>
    /// <param name="mediaType">The <c>Content-Type</c>.</param>
    /// <param name="content">The complete body.</param>
    /// <param name="connection">The connection header to send.</param>
    /// <param name="allow">The <c>Allow</c> header of a 405.</param>
    /// <param name="omitBody">A response to <c>HEAD</c>: the headers of the GET response, no body (RFC 9110 §9.3.2).</param>
    /// <param name="retryAfterSeconds">When positive, a <c>Retry-After</c> header with this many seconds (a 429).</param>
    public static void Write(
        IBufferWriter<byte> output,
        HttpStatus status,
        MediaType mediaType,
        ReadOnlySpan<byte> content,
        ConnectionDirective connection = ConnectionDirective.Default,
        AllowHeader allow = AllowHeader.None,
        bool omitBody = false,
        int retryAfterSeconds = 0)
    {
        var span = output.GetSpan(MaxHeaderLength);
        var written = 0;
        Append(span, ref written, Http1Bytes.StatusLine(status));
        Append(span, ref written, mediaType switch
        {
            MediaType.PrometheusText => Http1Bytes.ContentTypePrometheusText,
            MediaType.Yaml => Http1Bytes.ContentTypeYaml,
            _ => Http1Bytes.ContentTypeJson,
        });
        Append(span, ref written, DateHeader.Current);

        // Responses may carry a secret: no cache anywhere may keep one.
        Append(span, ref written, Http1Bytes.CacheControlNoStore);
        Append(span, ref written, Http1Bytes.ContentLengthName);
        Utf8Formatter.TryFormat(content.Length, span[written..], out var digits);
        written += digits;
        Append(span, ref written, Http1Bytes.CrLf);

        if (connection == ConnectionDirective.Close)
        {
            Append(span, ref written, Http1Bytes.ConnectionClose);
        }
        else if (connection == ConnectionDirective.KeepAlive)
        {
            Append(span, ref written, Http1Bytes.ConnectionKeepAlive);
        }

        if (allow == AllowHeader.Post)
        {
            Append(span, ref written, Http1Bytes.AllowPost);
        }
        else if (allow == AllowHeader.GetHead)
        {
            Append(span, ref written, Http1Bytes.AllowGetHead);
        }

        if (retryAfterSeconds > 0)
        {
            Append(span, ref written, Http1Bytes.RetryAfterName);
            Utf8Formatter.TryFormat(retryAfterSeconds, span[written..], out digits);
            written += digits;
            Append(span, ref written, Http1Bytes.CrLf);
        }

        Append(span, ref written, Http1Bytes.CrLf);
        output.Advance(written);

        if (!omitBody)
        {
            output.Write(content);
        }
    }

    private static void Append(Span<byte> span, ref int written, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[written..]);
        written += bytes.Length;
    }
}
