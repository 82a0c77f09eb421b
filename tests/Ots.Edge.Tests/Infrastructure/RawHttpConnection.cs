using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>How a connection ended when the test waited for its end.</summary>
public enum ConnectionEnd
{
    /// <summary>The server closed it: FIN (a read returned 0).</summary>
    Closed,

    /// <summary>The server reset it (RST): closed too, but less politely.</summary>
    Reset,

    /// <summary>It stayed open for the whole wait.</summary>
    StillOpen,

    /// <summary>The server sent more bytes instead of closing.</summary>
    UnexpectedData,
}

/// <summary>
/// A client socket that writes exact bytes and reads HTTP/1.1 responses framed by <c>Content-Length</c> (the only
/// framing the edge uses). Every read is bounded in time, so a server that hangs fails the test instead of the run.
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    /// <summary>The bound on one response or one close when a test does not give its own.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Socket _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private bool _eof;

    private RawHttpConnection(Socket socket)
    {
        _socket = socket;
    }

    /// <summary>Bytes received and not yet consumed by a response.</summary>
    public int Buffered => _end - _start;

    /// <summary>Connects with Nagle off, so each send leaves as its own segment (split-request tests rely on it).</summary>
    public static async Task<RawHttpConnection> OpenAsync(EdgeServer server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var timeout = new CancellationTokenSource(DefaultTimeout);
            await socket.ConnectAsync(server.EndPoint, timeout.Token);
            return new RawHttpConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var timeout = new CancellationTokenSource(DefaultTimeout);
        while (!bytes.IsEmpty)
        {
            var sent = await _socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8.</summary>
    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Half-closes: sends FIN, keeps reading.</summary>
    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>
    /// Reads one response: status line, headers, and <c>Content-Length</c> body bytes (none for a response to
    /// HEAD, or a 1xx). Fails the test on a malformed response, a close before its end, or the timeout.
    /// </summary>
    public async Task<RawResponse> ReadResponseAsync(bool toHead = false, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync("a response head", cancel.Token);
        }

        var head = Encoding.ASCII.GetString(_buffer, _start, headEnd);
        _start += headEnd + 4;
        var lines = head.Split("\r\n");
        var statusLine = lines[0].Split(' ', 3);
        Assert.True(statusLine.Length == 3, "malformed status line: " + lines[0]);
        Assert.True(statusLine[0] == "HTTP/1.1", "unexpected version: " + lines[0]);
        var status = int.Parse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture);

        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            Assert.True(colon > 0, "malformed header line: " + line);
            headers.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        var response = new RawResponse(statusLine[0], status, statusLine[2], headers, []);
        if (status < 200)
        {
            Assert.Empty(headers);
            return response;
        }

        Assert.Null(response.Header("Transfer-Encoding"));
        var contentLength = response.Header("Content-Length");
        Assert.NotNull(contentLength);
        var length = int.Parse(contentLength, NumberStyles.None, CultureInfo.InvariantCulture);
        if (toHead)
        {
            return response;
        }

        while (_end - _start < length)
        {
            await FillAsync("a response body", cancel.Token);
        }

        var body = _buffer.AsSpan(_start, length).ToArray();
        _start += length;
        return new RawResponse(statusLine[0], status, statusLine[2], headers, body);
    }

    /// <summary>
    /// Waits for the server to end the connection, reading (and failing on) anything it sends meanwhile.
    /// </summary>
    public async Task<ConnectionEnd> WaitForEndAsync(TimeSpan? timeout = null)
    {
        if (_end > _start)
        {
            return ConnectionEnd.UnexpectedData;
        }

        if (_eof)
        {
            return ConnectionEnd.Closed;
        }

        using var cancel = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel.Token);
            if (read == 0)
            {
                _eof = true;
                return ConnectionEnd.Closed;
            }

            _end += read;
            return ConnectionEnd.UnexpectedData;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            return ConnectionEnd.Reset;
        }
        catch (OperationCanceledException)
        {
            return ConnectionEnd.StillOpen;
        }
    }

    /// <summary>Reads whatever arrives until the server closes (or the timeout): the raw bytes, for garbage tests.</summary>
    public async Task<(byte[] Bytes, ConnectionEnd End)> ReadToEndAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var end = ConnectionEnd.StillOpen;
        try
        {
            while (!_eof)
            {
                await FillAsync(what: null, cancel.Token);
            }

            end = ConnectionEnd.Closed;
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            end = ConnectionEnd.Reset;
        }
        catch (OperationCanceledException)
        {
        }

        return (_buffer.AsSpan(_start, _end - _start).ToArray(), end);
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return default;
    }

    private async Task FillAsync(string? what, CancellationToken cancel)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        int read;
        try
        {
            read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancel);
        }
        catch (OperationCanceledException) when (what is not null)
        {
            throw new TimeoutException("no complete " + what + " in time; received so far: " + Printable());
        }

        if (read == 0)
        {
            _eof = true;
            if (what is not null)
            {
                throw new IOException("the server closed the connection before " + what + " was complete; received: " + Printable());
            }
        }

        _end += read;
    }

    private string Printable() =>
        Encoding.ASCII.GetString(_buffer, _start, Math.Min(_end - _start, 512)).Replace("\r\n", "\\r\\n", StringComparison.Ordinal);
}
