using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>One-shot requests on fresh sockets, each bounded in time: probes that must work while things break.</summary>
public static class Probe
{
    /// <summary>
    /// Sends <paramref name="request"/> on a new connection and returns the status code of the first response, or 0 for no
    /// response (refused, closed, reset, or nothing within <paramref name="timeout"/>).
    /// </summary>
    public static async Task<int> StatusAsync(IPEndPoint endPoint, string request, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, cancel.Token);
            await socket.SendAsync(Encoding.UTF8.GetBytes(request), cancel.Token);
            var buffer = new byte[64];
            var received = 0;
            while (received < 12)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(received), cancel.Token);
                if (read == 0)
                {
                    return 0;
                }

                received += read;
            }

            return buffer.AsSpan(0, 9).SequenceEqual("HTTP/1.1 "u8) ? int.Parse(Encoding.ASCII.GetString(buffer, 9, 3), System.Globalization.CultureInfo.InvariantCulture) : 0;
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException or FormatException)
        {
            return 0;
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds or <paramref name="timeout"/> passes; the time it took, or null.</summary>
    public static async Task<TimeSpan?> WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < timeout)
        {
            if (await condition())
            {
                return stopwatch.Elapsed;
            }

            await Task.Delay(100);
        }

        return null;
    }

    /// <summary>A generate that answers 201 through <paramref name="client"/>, with the request's own 5 s bound.</summary>
    public static async Task<bool> CanGenerateAsync(HttpClient client)
    {
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var content = new StringContent(Http.GenerateBody("probe", "probe"));
            using var response = await client.PostAsync(new Uri("generate", UriKind.Relative), content, cancel.Token);
            return (int)response.StatusCode == 201;
        }
        catch (Exception exception) when (exception is HttpRequestException or OperationCanceledException)
        {
            return false;
        }
    }
}
