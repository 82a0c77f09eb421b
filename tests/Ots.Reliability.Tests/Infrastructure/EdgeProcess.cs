using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ots.Edge.Tests.Infrastructure;
using Ots.Testing;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>
/// The JIT build of the edge, <c>dotnet Ots.Edge.dll --store …</c>, as a child process this class owns: every line
/// it writes is kept (the log-leak test reads them all), and it can be signalled, timed to its exit, and inspected
/// through <c>/proc</c> (open sockets, resident memory). Reached only through sockets, like a production edge.
/// </summary>
public sealed class EdgeProcess : EdgeServer
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process _process;
    private readonly List<string> _lines;
    private readonly TempDirectory _dataDirectory;
    private readonly string _commandLine;

    private EdgeProcess(Process process, List<string> lines, int port, TempDirectory dataDirectory, string commandLine)
        : base(port)
    {
        _process = process;
        _lines = lines;
        _dataDirectory = dataDirectory;
        _commandLine = commandLine;
    }

    /// <summary>The process id.</summary>
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

    /// <summary>
    /// Starts an edge on <paramref name="store"/> and returns once <c>/healthz</c> answers. The failed-reveal limit is
    /// off unless <paramref name="arguments"/> sets it (most tests here make many 404s on purpose, from one address).
    /// </summary>
    public static async Task<EdgeProcess> StartAsync(string store, IReadOnlyList<string>? arguments = null, string logLevel = "Warning")
    {
        var edgeDll = Path.Combine(AppContext.BaseDirectory, "Ots.Edge.dll");
        Assert.True(File.Exists(edgeDll), "missing " + edgeDll);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            var dataDirectory = new TempDirectory("ots-reliability-edge-");
            string[] all =
            [
                edgeDll, "--urls", "http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture), "--store", store,
                "--data-dir", dataDirectory.Path, "--Logging:LogLevel:Default=" + logLevel, "--max-failed-reveals", "0",
                .. arguments ?? [],
            ];
            foreach (var argument in all)
            {
                start.ArgumentList.Add(argument);
            }

            // Only the arguments above configure the edge: not this run's ASPNETCORE_URLS, nor any OTS_* variable (the
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

            var edge = new EdgeProcess(process, lines, port, dataDirectory, "dotnet " + string.Join(' ', all));
            if (await edge.WaitUntilHealthyAsync())
            {
                return edge;
            }

            var diagnostics = edge.Diagnostics;
            await edge.DisposeAsync();
            if (attempt >= 3 || !diagnostics.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("The edge did not become healthy: " + diagnostics);
            }
        }
    }

    /// <summary>A client with its own connection pool for this edge.</summary>
    public HttpClient CreateClient(int maxConnections = 32, TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = maxConnections, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = BaseUri,
            Timeout = timeout ?? TimeSpan.FromSeconds(20),
        };

    /// <summary>Sends <paramref name="signal"/> (<c>TERM</c>, <c>KILL</c>) to the process.</summary>
    public async Task SignalAsync(string signal)
    {
        if (!_process.HasExited)
        {
            await Shell.RunAsync("kill", "-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture));
        }
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
            if (!_process.HasExited)
            {
                await SignalAsync("TERM");
                if (!await WaitForExitAsync(s_stopTimeout))
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            ChildProcesses.Forget(_process);
            _process.Dispose();
            _dataDirectory.Dispose();
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

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
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

            if (await Probe.IsHealthyAsync(EndPoint))
            {
                return true;
            }

            await Task.Delay(100);
        }

        return false;
    }
}
