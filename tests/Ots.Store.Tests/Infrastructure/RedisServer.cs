using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ots.Store.Tests.Infrastructure;

/// <summary>A real <c>redis-server</c> process on a loopback port, killed (by its PID) on dispose.</summary>
internal sealed class RedisServer : IDisposable
{
    private const int MaxStartAttempts = 5;
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(10);

    private readonly Process _process;
    private readonly TempDirectory _directory;

    private RedisServer(Process process, TempDirectory directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>The full path of <c>redis-server</c> on PATH, or null.</summary>
    public static string? Executable { get; } = FindOnPath("redis-server");

    /// <summary>Why redis tests are skipped, or null when they can run.</summary>
    public static string? SkipReason =>
        Executable is null ? "redis-server not found on PATH; apt-get install redis-server" : null;

    public int Port { get; }

    public string ConnectionString => "127.0.0.1:" + Port;

    /// <summary>Starts redis-server without persistence on a free port and waits until it answers PING.</summary>
    public static async Task<RedisServer> StartAsync()
    {
        var executable = Executable ?? throw new InvalidOperationException(SkipReason);
        for (var attempt = 1; ; attempt++)
        {
            var directory = new TempDirectory("ots-redis-");
            var port = LoopbackPort.Reserve();
            var startInfo = new ProcessStartInfo(executable) { UseShellExecute = false, WorkingDirectory = directory.Path };
            foreach (var argument in new[]
            {
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", directory.Path,
                "--logfile", System.IO.Path.Combine(directory.Path, "redis.log"),
            })
            {
                startInfo.ArgumentList.Add(argument);
            }

            var process = Process.Start(startInfo) ?? throw new InvalidOperationException("redis-server did not start.");
            if (await WaitUntilReadyAsync(process, port))
            {
                return new RedisServer(process, directory, port);
            }

            // Most likely the port was taken between Reserve and redis-server's bind: try another one.
            Stop(process);
            var log = ReadLog(directory.Path);
            directory.Dispose();
            if (attempt == MaxStartAttempts)
            {
                throw new InvalidOperationException("redis-server did not answer PING: " + log);
            }
        }
    }

    public void Dispose()
    {
        Stop(_process);
        _directory.Dispose();
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill();
            process.WaitForExit(5000);
        }

        process.Dispose();
    }

    private static async Task<bool> WaitUntilReadyAsync(Process process, int port)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < s_startTimeout && !process.HasExited)
        {
            if (await AnswersPingAsync(port))
            {
                return true;
            }

            await Task.Delay(20);
        }

        return false;
    }

    private static async Task<bool> AnswersPingAsync(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync("PING\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            var reply = new byte[7];
            var read = await socket.ReceiveAsync(reply, SocketFlags.None, timeout.Token);
            return reply.AsSpan(0, read).SequenceEqual("+PONG\r\n"u8);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string ReadLog(string directory)
    {
        var path = System.IO.Path.Combine(directory, "redis.log");
        return File.Exists(path) ? File.ReadAllText(path, Encoding.UTF8) : "(no log)";
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in path.Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = System.IO.Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
