using System.Net.Sockets;
using System.Text;

namespace Ots.Edge.Hosting;

/// <summary>
/// <c>Ots.Edge --health-check URL</c>: one plain HTTP/1.1 GET, exit 0 on a 2xx and 1 otherwise. It lets a container
/// health check run without a shell or curl in the image; a raw socket keeps HttpClient out of the AOT binary.
/// </summary>
internal static class HealthCheckCommand
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);

    public static async Task<int> RunAsync(string url, TextWriter error)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            await error.WriteLineAsync("ots: --health-check needs an http:// URL, e.g. http://127.0.0.1:8080/readyz");
            return 2;
        }

        using var timeout = new CancellationTokenSource(s_timeout);
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(uri.Host, uri.Port, timeout.Token);
            var stream = client.GetStream();
            var request = "GET " + uri.PathAndQuery + " HTTP/1.1\r\nHost: " + uri.Authority + "\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);

            // "HTTP/1.1 200" is all we need: the first 12 bytes.
            var status = new byte[12];
            var read = 0;
            while (read < status.Length)
            {
                var n = await stream.ReadAsync(status.AsMemory(read), timeout.Token);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            var ok = read == status.Length && status.AsSpan(0, 9).SequenceEqual("HTTP/1.1 "u8) && status[9] == (byte)'2';
            await error.WriteLineAsync(ok ? "healthy" : "unhealthy: " + Encoding.ASCII.GetString(status, 0, read));
            return ok ? 0 : 1;
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            await error.WriteLineAsync("unhealthy: " + exception.Message);
            return 1;
        }
    }
}
