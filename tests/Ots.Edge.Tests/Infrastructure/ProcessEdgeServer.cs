using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>
/// An edge running as a child process: the JIT build (<c>dotnet Ots.Edge.dll</c>) or a Native-AOT binary. It is
/// given a free port chosen here (reading back a port the child picked would mean parsing its log), is ready when
/// <c>GET /healthz</c> answers 200, and is stopped with SIGTERM (graceful: the embedded store is disposed), then
/// killed if it does not exit in time. Its stdout and stderr are kept for failure messages.
/// </summary>
public sealed class ProcessEdgeServer : EdgeServer
{
    private const int MaxStartAttempts = 3;
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly StringBuilder _output;
    private readonly TempDirectory? _ownedDataDirectory;
    private readonly string _commandLine;

    private ProcessEdgeServer(Process process, StringBuilder output, int port, TempDirectory? ownedDataDirectory, string commandLine)
        : base(port)
    {
        _process = process;
        _output = output;
        _ownedDataDirectory = ownedDataDirectory;
        _commandLine = commandLine;
    }

    /// <summary>The process id, e.g. to signal it.</summary>
    public int ProcessId => _process.Id;

    /// <inheritdoc />
    public override string Diagnostics
    {
        get
        {
            lock (_output)
            {
                return _commandLine + Environment.NewLine + _output;
            }
        }
    }

    /// <summary>Runs <c>dotnet <paramref name="edgeDll"/> --urls http://127.0.0.1:PORT --data-dir DIR</c> + arguments.</summary>
    public static async Task<EdgeServer> StartDllAsync(string edgeDll, IReadOnlyList<string> arguments, string? dataDirectory)
    {
        var owned = dataDirectory is null ? new TempDirectory("ots-edge-tests-") : null;
        try
        {
            return await StartAsync("dotnet", [edgeDll], ["--data-dir", dataDirectory ?? owned!.Path, .. arguments], owned);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    /// <summary>Runs <c><paramref name="binary"/> --urls http://127.0.0.1:PORT --store STORE</c> + arguments.</summary>
    public static Task<EdgeServer> StartBinaryAsync(string binary, string store, IReadOnlyList<string> arguments) =>
        StartAsync(binary, [], ["--store", store, .. arguments], ownedDataDirectory: null);

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="leading"/>, <c>--urls</c>, then <paramref name="arguments"/>.</summary>
    private static async Task<EdgeServer> StartAsync(
        string fileName, IReadOnlyList<string> leading, IReadOnlyList<string> arguments, TempDirectory? ownedDataDirectory)
    {
        for (var attempt = 1; ; attempt++)
        {
            // The port is free now but not reserved: another process may take it before the child binds it, and
            // then the child exits at once and we try another port.
            var port = LoopbackPort.Reserve();
            var start = new ProcessStartInfo(fileName)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = false,
                UseShellExecute = false,
            };
            foreach (var argument in leading)
            {
                start.ArgumentList.Add(argument);
            }

            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture));
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            // The child must not inherit this run's own switches as edge configuration.
            start.Environment.Remove("ASPNETCORE_URLS");
            start.Environment["DOTNET_NOLOGO"] = "1";

            var output = new StringBuilder();
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, line) => Append(output, line.Data);
            process.ErrorDataReceived += (_, line) => Append(output, line.Data);
            process.Start();
            ChildProcesses.Track(process);

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var commandLine = fileName + " " + string.Join(' ', start.ArgumentList);
            var server = new ProcessEdgeServer(process, output, port, ownedDataDirectory, commandLine);
            if (await WaitUntilHealthyAsync(process, port))
            {
                return server;
            }

            var diagnostics = server.Diagnostics;
            await server.StopProcessAsync();
            process.Dispose();
            if (attempt >= MaxStartAttempts || !diagnostics.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("The edge process did not become healthy: " + diagnostics);
            }
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static async Task<bool> WaitUntilHealthyAsync(Process process, int port)
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < s_startTimeout)
        {
            if (process.HasExited)
            {
                return false;
            }

            if (await IsHealthyAsync(port))
            {
                return true;
            }

            await Task.Delay(50);
        }

        return false;
    }

    private static async Task<bool> IsHealthyAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            await socket.SendAsync("GET /healthz HTTP/1.1\r\nHost: ots\r\nConnection: close\r\n\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[512];
            var received = 0;
            while (received < buffer.Length)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(received), timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received += read;
            }

            return buffer.AsSpan(0, received).StartsWith("HTTP/1.1 200 "u8);
        }
        catch (Exception exception) when (exception is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await StopProcessAsync();
        _process.Dispose();
        _ownedDataDirectory?.Dispose();
    }

    /// <summary>SIGTERM, as a service manager would stop it, then a kill if it does not exit in time.</summary>
    private async Task StopProcessAsync()
    {
        try
        {
            await TerminateAsync();
        }
        finally
        {
            ChildProcesses.Forget(_process);
        }
    }

    private async Task TerminateAsync()
    {
        if (_process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])))
        {
            await kill!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(s_stopTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }
}
