using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Ots.Edge.Tests.Infrastructure;
using Ots.Testing;

namespace Ots.Reliability.Tests.Infrastructure;

/// <summary>
/// A standalone Garnet started with <c>scripts/garnet.sh</c> (the tool manifest's garnet-server with the flags of
/// docker-compose.yml: AOF, <c>--aof-commit-wait</c>, <c>--recover</c>, and <c>--auth Password</c> with a password of
/// its own, the same across restarts), on a free port below the kernel's ephemeral range (FACTS.md: a fixed port in that range can be taken by an outgoing connection between a stop and a restart).
/// The launcher runs in its own process group, which <see cref="KillAsync"/> and <see cref="PauseAsync"/> signal as a whole.
/// </summary>
public sealed class GarnetProcess : IAsyncDisposable
{
    private static readonly TimeSpan s_goneTimeout = TimeSpan.FromSeconds(20);

    private readonly TempDirectory _directory;
    private readonly bool _commitWait;
    private readonly string _extraFlags;

    private GarnetProcess(TempDirectory directory, int port, string password, int processGroup, bool commitWait, string extraFlags)
    {
        _directory = directory;
        _commitWait = commitWait;
        _extraFlags = extraFlags;
        Port = port;
        Password = password;
        ProcessGroup = processGroup;
    }

    /// <summary>The port it listens on, the same across restarts.</summary>
    public int Port { get; }

    /// <summary>The AOF and checkpoint directory, the same across restarts.</summary>
    public string DataDirectory => _directory.Path;

    /// <summary>The process group (and PID) of the launcher of the running instance; 0 when none runs.</summary>
    public int ProcessGroup { get; private set; }

    /// <summary>What <c>GARNET_PASSWORD</c> was for scripts/garnet.sh: every connection must <c>AUTH</c> with it.</summary>
    public string Password { get; }

    /// <summary>The <c>--store</c> value of an edge on this Garnet (with the password, as docker-compose.yml's <c>OTS_STORE</c>).</summary>
    public string ConnectionString => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + ",password=" + Password;

    /// <summary>Starts a Garnet on a fresh data directory and a free port below 32768; returns once it answers PING.</summary>
    /// <param name="commitWait">
    /// False drops <c>--aof-commit-wait</c> from the production flags (the durability experiment only): writes are then
    /// acknowledged before they reach the AOF.
    /// </param>
    /// <param name="extraFlags">More Garnet flags (the experiment only, e.g. <c>--aof-commit-freq 1000</c>).</param>
    public static async Task<GarnetProcess> StartAsync(bool commitWait = true, string extraFlags = "")
    {
        var directory = new TempDirectory("ots-reliability-garnet-");
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                var port = FreeLowPort();
                var (pid, output) = await LaunchAsync(port, directory.Path, password, commitWait, extraFlags);
                if (pid > 0)
                {
                    return new GarnetProcess(directory, port, password, pid, commitWait, extraFlags);
                }

                if (attempt == 3)
                {
                    throw new InvalidOperationException("Garnet did not start: " + output);
                }
            }
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Starts it again on the same port and data directory (recovering from the AOF).</summary>
    public async Task RestartAsync()
    {
        Assert.Equal(0, ProcessGroup);
        var (pid, output) = await LaunchAsync(Port, DataDirectory, Password, _commitWait, _extraFlags);
        Assert.True(pid > 0, "Garnet did not restart: " + output);
        ProcessGroup = pid;
    }

    /// <summary>SIGKILL to the whole process group (launcher and server): a crash, no flush, no goodbye.</summary>
    /// <param name="afterSignal">Cancelled as soon as the signal is sent (a load to stop at the moment of the crash).</param>
    public async Task KillAsync(CancellationTokenSource? afterSignal = null)
    {
        await SignalGroupAsync("KILL");
        if (afterSignal is not null)
        {
            await afterSignal.CancelAsync();
        }

        await WaitUntilGoneAsync();
    }

    /// <summary>SIGSTOP to the group: the server keeps its sockets open and answers nothing (a hung store).</summary>
    public Task PauseAsync() => SignalGroupAsync("STOP");

    /// <summary>SIGCONT to the group.</summary>
    public Task ResumeAsync() => SignalGroupAsync("CONT");

    /// <summary>Stops it (SIGTERM to the group, through the script) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (ProcessGroup == 0)
        {
            return;
        }

        await SignalGroupAsync("CONT"); // A paused group would not act on SIGTERM.
        await Shell.RunAsync(Repository.GarnetScript, "stop", DataDirectory);
        await WaitUntilGoneAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            if (ProcessGroup != 0)
            {
                await SignalGroupAsync("KILL");
            }

            _directory.Dispose();
        }
    }

    private async Task SignalGroupAsync(string signal)
    {
        if (ProcessGroup == 0)
        {
            return;
        }

        await Shell.RunAsync("kill", "-" + signal, "--", "-" + ProcessGroup.ToString(CultureInfo.InvariantCulture));
    }

    private async Task WaitUntilGoneAsync()
    {
        var group = ProcessGroup.ToString(CultureInfo.InvariantCulture);
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < s_goneTimeout)
        {
            // kill -0 on the group fails once no process of it is left.
            var (exitCode, _) = await Shell.RunAsync("kill", "-0", "--", "-" + group);
            if (exitCode != 0)
            {
                ProcessGroup = 0;
                return;
            }

            await Task.Delay(100);
        }

        await Shell.RunAsync("kill", "-KILL", "--", "-" + group);
        ProcessGroup = 0;
    }

    private static Task<(int Pid, string Output)> LaunchAsync(int port, string directory, string password, bool commitWait, string extraFlags)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        KeyValuePair<string, string>[] environment = [new("GARNET_PASSWORD", password)];
        if (commitWait && extraFlags.Length == 0)
        {
            return ParsePidAsync(Shell.RunAsync(Repository.GarnetScript, environment, "start", portText, directory));
        }

        // What `garnet.sh start` does, with the compose flags less --aof-commit-wait (when asked) plus the extra flags.
        const string Launch = """
            set -u
            cd "$1"
            dotnet tool restore >/dev/null
            flags=$(scripts/garnet.sh args "$2" "$3")
            [[ $4 == 1 ]] || flags=${flags/ --aof-commit-wait/}
            flags="$flags $5"
            setsid scripts/garnet.sh exec "$3" $flags >"$3/garnet.log" 2>&1 </dev/null &
            echo $! >"$3/garnet.pid"
            for _ in $(seq 1 150); do
              if scripts/garnet.sh ping "$2"; then
                cat "$3/garnet.pid"; exit 0
              fi
              sleep 0.2
            done
            cat "$3/garnet.log"; exit 1
            """;
        return ParsePidAsync(Shell.RunAsync("bash", environment, "-c", Launch, "launch", Repository.Root, portText, directory, commitWait ? "1" : "0", extraFlags));
    }

    private static async Task<(int Pid, string Output)> ParsePidAsync(Task<(int ExitCode, string Output)> run)
    {
        var (exitCode, output) = await run;
        var lastLine = output.Trim().Split('\n')[^1].Trim();
        return exitCode == 0 && int.TryParse(lastLine, NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? (pid, output)
            : (0, output);
    }

    /// <summary>A port in 20000..31999 that nothing listens on now (checked by binding it).</summary>
    private static int FreeLowPort()
    {
        for (var i = 0; i < 100; i++)
        {
            var port = Random.Shared.Next(20_000, 32_000);
            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("no free port below 32768");
    }
}
