using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>
/// An edge running as a child process: the JIT build (<c>dotnet Ots.Edge.dll</c>) or a Native-AOT binary. It is
/// given a free port chosen here (reading back a port the child picked would mean parsing its log), is ready when
/// <c>GET /healthz</c> answers 200, and is stopped with SIGTERM (graceful: the embedded store is disposed), then
/// killed if it does not exit in time. Every line it writes is kept (for failure messages, and for the tests that
/// read its log), and it can be signalled, timed to its exit, and inspected through <c>/proc</c> (open sockets,
/// resident memory): the end-to-end suite runs the AOT binary this way, the reliability suite every edge.
/// </summary>
public sealed class ProcessEdgeServer : EdgeServer
{
    private const int MaxStartAttempts = 3;

    // A child's first start on a loaded 2-core machine (JIT, embedded Garnet) can take tens of seconds.
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly List<string> _lines;
    private readonly TempDirectory? _ownedDataDirectory;
    private readonly string _commandLine;

    private ProcessEdgeServer(Process process, List<string> lines, int port, TempDirectory? ownedDataDirectory, string commandLine)
        : base(port)
    {
        _process = process;
        _lines = lines;
        _ownedDataDirectory = ownedDataDirectory;
        _commandLine = commandLine;
    }

    /// <summary>The process id, e.g. to signal it.</summary>
    public int ProcessId => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once <see cref="HasExited"/>.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line written to stdout and stderr so far.</summary>
    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <inheritdoc />
    public override string Diagnostics => _commandLine + Environment.NewLine + string.Join(Environment.NewLine, OutputLines);

    /// <summary>Runs <c>dotnet <paramref name="edgeDll"/> --urls http://127.0.0.1:PORT --data-dir DIR</c> + arguments.</summary>
    public static async Task<ProcessEdgeServer> StartDllAsync(string edgeDll, IReadOnlyList<string> arguments, string? dataDirectory)
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
    public static Task<ProcessEdgeServer> StartBinaryAsync(string binary, string store, IReadOnlyList<string> arguments) =>
        StartAsync(binary, [], ["--store", store, .. arguments], ownedDataDirectory: null);

    /// <summary>Sends <paramref name="signal"/> (<c>TERM</c>, <c>KILL</c>, <c>STOP</c>, …) to the process, if it still runs.</summary>
    public async Task SignalAsync(string signal)
    {
        if (_process.HasExited)
        {
            return;
        }

        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]))!;
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end; false when it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Open socket descriptors of the process (listening, client and store connections), from /proc.</summary>
    public int CountSockets()
    {
        var count = 0;
        foreach (var fd in Directory.EnumerateFileSystemEntries("/proc/" + ProcessId.ToString(CultureInfo.InvariantCulture) + "/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true)
                {
                    count++;
                }
            }
            catch (IOException)
            {
                // Closed while we looked.
            }
        }

        return count;
    }

    /// <summary>Resident memory (VmRSS) in bytes, from /proc.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/" + ProcessId.ToString(CultureInfo.InvariantCulture) + "/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kib = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS");
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _process.Dispose();
            _ownedDataDirectory?.Dispose();
        }
    }

    /// <summary>Runs <paramref name="fileName"/> with <paramref name="leading"/>, <c>--urls</c>, then <paramref name="arguments"/>.</summary>
    private static async Task<ProcessEdgeServer> StartAsync(
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
            string[] all = [.. leading, "--urls", "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), .. arguments];
            foreach (var argument in all)
            {
                start.ArgumentList.Add(argument);
            }

            // Only the arguments configure the child: not this run's ASPNETCORE_URLS, nor any OTS_* variable (the
            // edge reads every one as configuration, and CI exports OTS_TEST_* for the end-to-end suite).
            start.Environment.Remove("ASPNETCORE_URLS");
            foreach (var name in start.Environment.Keys.Where(name => name.StartsWith("OTS_", StringComparison.Ordinal)).ToList())
            {
                start.Environment.Remove(name);
            }

            start.Environment["DOTNET_NOLOGO"] = "1";

            var lines = new List<string>();
            var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, line) => Append(lines, line.Data);
            process.ErrorDataReceived += (_, line) => Append(lines, line.Data);
            process.Start();
            ChildProcesses.Track(process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            var server = new ProcessEdgeServer(process, lines, port, ownedDataDirectory, fileName + " " + string.Join(' ', all));
            if (await server.WaitUntilHealthyAsync())
            {
                return server;
            }

            // Stop this process but keep the data directory (the caller's, or the one StartDllAsync made and disposes
            // if this throws) for the next attempt.
            var diagnostics = server.Diagnostics;
            await server.StopAsync();
            process.Dispose();
            if (attempt >= MaxStartAttempts || !diagnostics.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("The edge process did not become healthy: " + diagnostics);
            }
        }
    }

    /// <summary>SIGTERM, as a service manager would stop it, then a kill if it does not exit in time.</summary>
    private async Task StopAsync()
    {
        try
        {
            await SignalAsync("TERM");
            if (!await WaitForExitAsync(s_stopTimeout))
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        finally
        {
            ChildProcesses.Forget(_process);
        }
    }

    private static void Append(List<string> lines, string? line)
    {
        if (line is not null)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private async Task<bool> WaitUntilHealthyAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < s_startTimeout)
        {
            if (_process.HasExited)
            {
                return false;
            }

            if (await IsHealthyAsync(Port))
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
}
