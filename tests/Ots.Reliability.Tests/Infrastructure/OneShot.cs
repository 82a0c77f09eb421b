using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>A response read to the end of a <c>Connection: close</c> exchange.</summary>
public sealed record OneShotResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => Status.ToString(CultureInfo.InvariantCulture) + " " + Body;
}

/// <summary>
/// One request on a fresh connection, optionally from a chosen local address (any of 127.0.0.0/8 reaches the edge on
/// 127.0.0.1 and is a different client address to it), read until the server closes.
/// </summary>
public static class OneShot
{
    public static async Task<OneShotResponse> SendAsync(IPEndPoint edge, string request, IPAddress? from = null)
    {
        Assert.Contains("Connection: close", request, StringComparison.Ordinal);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (from is not null)
        {
            socket.Bind(new IPEndPoint(from, 0));
        }

        await socket.ConnectAsync(edge, cancel.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request), cancel.Token);
        using var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancel.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(headEnd > 0, "no response: " + text);
        var lines = text[..headEnd].Split("\r\n");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }

        return new OneShotResponse(int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture), headers, text[(headEnd + 4)..]);
    }
}
