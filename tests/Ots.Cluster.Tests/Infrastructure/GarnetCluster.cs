using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Ots.Testing;
using StackExchange.Redis;

namespace Ots.Cluster.Tests.Infrastructure;

/// <summary>
/// A real Garnet cluster of three primaries on 127.0.0.1, run by <c>scripts/garnet-cluster.sh</c> (the production
/// flags of docker-compose.yml plus <c>--cluster</c>, and a password of its own, as docker-compose.cluster.yml's nodes
/// have), and an admin connection to it for what the tests inspect and change: slot owners, key counts, migrations,
/// a crash.
/// </summary>
public sealed class GarnetCluster : IAsyncDisposable
{
    /// <summary>Primaries in the cluster; <c>redis-cli --cluster create</c> needs at least three.</summary>
    public const int Primaries = 3;

    // A busy 2-core box takes ~30 s to start three nodes and form the cluster.
    private static readonly TimeSpan s_upTimeout = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan s_commandTimeout = TimeSpan.FromSeconds(60);

    private ConnectionMultiplexer? _admin;

    private GarnetCluster(string dataDirectory, IReadOnlyList<int> ports, string password)
    {
        DataDirectory = dataDirectory;
        Ports = ports;
        Password = password;
        Configuration = string.Join(',', ports.Select(p => Host + ":" + p.ToString(CultureInfo.InvariantCulture))) + ",password=" + password;
    }

    public static string Host => "127.0.0.1";

    /// <summary>Where the nodes keep their data, logs and PIDs (<c>DIR/node-PORT</c>).</summary>
    public string DataDirectory { get; }

    /// <summary>The nodes' ports, ascending.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>
    /// What every node asks each client for (<c>GARNET_PASSWORD</c> of the script) and the nodes present to each other;
    /// a <c>MIGRATE</c> must carry it (<c>AUTH</c>), or Garnet answers OK and moves nothing.
    /// </summary>
    public string Password { get; }

    /// <summary>The edges' <c>--store</c>: every node and the password, as a StackExchange.Redis configuration string.</summary>
    public string Configuration { get; }

    /// <summary>A multiplexer with admin commands allowed, for inspecting and changing the cluster.</summary>
    public ConnectionMultiplexer Admin => _admin ?? throw new InvalidOperationException("The cluster has not started.");

    /// <summary>
    /// Starts three nodes on free ports below 32768 (FACTS.md: fixed ports in the ephemeral range can be taken) and
    /// forms the cluster; retries on other ports when a port was taken meanwhile.
    /// </summary>
    public static async Task<GarnetCluster> StartAsync(Action<string> log)
    {
        var password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        for (var attempt = 1; ; attempt++)
        {
            var basePort = FreePortRange(Primaries);
            var dataDirectory = Directory.CreateTempSubdirectory("ots-cluster-tests-").FullName;
            var stopwatch = Stopwatch.StartNew();
            var (exitCode, output) = await RunAsync(password, s_upTimeout, "up", Primaries.ToString(CultureInfo.InvariantCulture), basePort.ToString(CultureInfo.InvariantCulture), dataDirectory);
            if (exitCode == 0)
            {
                log("garnet-cluster.sh up " + Primaries + " " + basePort + ": " + output.Trim().Replace(password, "***", StringComparison.Ordinal) + " in " + stopwatch.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
                var ports = Enumerable.Range(basePort, Primaries).ToArray();
                var cluster = new GarnetCluster(dataDirectory, ports, password);
                cluster._admin = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration + ",allowAdmin=true,abortConnect=false,connectTimeout=5000,syncTimeout=30000,asyncTimeout=30000");
                return cluster;
            }

            await RunAsync(password, s_commandTimeout, "down", dataDirectory);
            TryDelete(dataDirectory);
            if (attempt == 3)
            {
                throw new InvalidOperationException("garnet-cluster.sh up failed 3 times; last output:\n" + output);
            }

            log("garnet-cluster.sh up failed (attempt " + attempt + "), retrying on other ports:\n" + output);
        }
    }

    /// <summary>The admin view of one node.</summary>
    public IServer Server(int port) => Admin.GetServer(Host, port);

    /// <summary>The slot map as <paramref name="port"/> sees it, fresh (<c>CLUSTER NODES</c>).</summary>
    public async Task<ClusterConfiguration> NodesAsync(int port) =>
        await Server(port).ClusterNodesAsync() ?? throw new InvalidOperationException("CLUSTER NODES answered nothing");

    /// <summary>The port of the primary that owns <paramref name="slot"/>, as <paramref name="askPort"/> sees it.</summary>
    public async Task<int> OwnerAsync(int slot, int askPort)
    {
        var owner = (await NodesAsync(askPort)).GetBySlot(slot) ?? throw new InvalidOperationException("slot " + slot + " has no owner");
        return ((IPEndPoint)owner.EndPoint!).Port;
    }

    /// <summary>
    /// Sends a command to exactly that node. Garnet answers some admin commands about a slot it does not own (e.g.
    /// <c>CLUSTER COUNTKEYSINSLOT</c>) with MOVED; following it would silently ask another node.
    /// </summary>
    public Task<RedisResult> ExecuteAsync(int port, string command, params object[] arguments) =>
        Server(port).ExecuteAsync(command, arguments, CommandFlags.NoRedirect);

    /// <summary>Node id of <paramref name="port"/>.</summary>
    public async Task<string> NodeIdAsync(int port) => (string)(await ExecuteAsync(port, "CLUSTER", "MYID"))!;

    /// <summary>Keys on one node (<c>DBSIZE</c>).</summary>
    public Task<long> KeyCountAsync(int port) => Server(port).DatabaseSizeAsync();

    /// <summary>SIGKILL (a crash: no shutdown, no flush beyond what the AOF already has) of one node's process group.</summary>
    public async Task KillAsync(int port) => await RunCheckedAsync("kill", DataDirectory, Port(port), "KILL");

    /// <summary>Starts a killed node again on its data directory (AOF + cluster configuration); returns once it answers PING.</summary>
    public async Task RestartAsync(int port) => await RunCheckedAsync("start", DataDirectory, Port(port));

    /// <summary>Waits until every node reports <c>cluster_state:ok</c> with all 16384 slots assigned.</summary>
    public async Task WaitOkAsync(int seconds = 60) => await RunCheckedAsync("wait-ok", DataDirectory, seconds.ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_admin is not null)
        {
            await _admin.CloseAsync();
            _admin.Dispose();
        }

        await RunAsync(Password, s_commandTimeout, "down", DataDirectory);
        TryDelete(DataDirectory);
    }

    /// <summary>Stops every node synchronously: for process exit, when the fixture never got to dispose.</summary>
    public void DownNow() => RunAsync(Password, s_commandTimeout, "down", DataDirectory).GetAwaiter().GetResult();

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private async Task RunCheckedAsync(params string[] arguments)
    {
        var (exitCode, output) = await RunAsync(Password, s_commandTimeout, arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException("garnet-cluster.sh " + string.Join(' ', arguments) + " failed (" + exitCode + "):\n" + output);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string password, TimeSpan timeout, params string[] arguments)
    {
        try
        {
            // The script is killed on time-out; nodes it started live in their own sessions, and `down` stops them.
            return await Shell.RunAsync("bash", [new("GARNET_PASSWORD", password)], timeout, [Repository.GarnetClusterScript, .. arguments]);
        }
        catch (TimeoutException e)
        {
            return (-1, e.Message);
        }
    }

    // `count` consecutive ports in 20000..32000 that nothing listens on right now.
    private static int FreePortRange(int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var basePort = Random.Shared.Next(20000, 32000 - count);
            if (Enumerable.Range(basePort, count).All(IsFree))
            {
                return basePort;
            }
        }

        throw new InvalidOperationException("no free port range below 32768");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A node that is still shutting down may hold a file for a moment; the OS cleans temp eventually.
        }
    }
}
