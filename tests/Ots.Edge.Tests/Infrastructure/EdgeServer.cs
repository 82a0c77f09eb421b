using System.Net;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>How the edge under test is started; chosen for the whole run by <c>OTS_TEST_EDGE</c>.</summary>
public enum EdgeMode
{
    /// <summary><c>OTS_TEST_EDGE</c> unset or <c>inprocess</c>: <c>EdgeHost.TryStartAsync</c> inside the test process.</summary>
    InProcess,

    /// <summary><c>process</c>: the JIT build, <c>dotnet Ots.Edge.dll</c>, as a child process.</summary>
    Process,

    /// <summary>
    /// <c>binary</c>: the executable named by <c>OTS_TEST_EDGE_BINARY</c> (a Native-AOT build) as a child process,
    /// with <c>--store $OTS_TEST_STORE</c> since such a build has no embedded store.
    /// </summary>
    Binary,
}

/// <summary>What a test needs from its edge beyond the defaults.</summary>
public sealed record EdgeServerOptions
{
    /// <summary>Extra command-line options, e.g. <c>--max-phrase-attempts 3</c>.</summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// The embedded store's data directory, owned by the caller (to restart on the same data). Null: the server makes
    /// a temporary one and deletes it on dispose.
    /// </summary>
    public string? DataDirectory { get; init; }
}

/// <summary>
/// An edge listening on a loopback port, however it was started. Tests talk to it only through sockets, so the same
/// tests run against the in-process host, the JIT build as a child process, and a Native-AOT binary.
/// </summary>
public abstract class EdgeServer : IAsyncDisposable
{
    /// <summary>The environment variable that selects the <see cref="EdgeMode"/>.</summary>
    public const string ModeVariable = "OTS_TEST_EDGE";

    /// <summary>The executable run in <see cref="EdgeMode.Binary"/>.</summary>
    public const string BinaryVariable = "OTS_TEST_EDGE_BINARY";

    /// <summary>The <c>--store</c> connection string of <see cref="EdgeMode.Binary"/> (a Garnet or Redis server).</summary>
    public const string StoreVariable = "OTS_TEST_STORE";

    /// <summary>Optional: the <c>Ots.Edge.dll</c> run in <see cref="EdgeMode.Process"/> (default: the copy next to the tests).</summary>
    public const string DllVariable = "OTS_TEST_EDGE_DLL";

    /// <summary>
    /// Options every edge under test gets: no log noise below warnings (a failure still shows its errors), and no
    /// per-address limit on failed reveals (every test client is 127.0.0.1, and many tests make 404s on purpose; the
    /// limit has its own tests in Ots.Reliability.Tests). A test's own arguments come later and win.
    /// </summary>
    private static readonly string[] s_commonArguments = ["--Logging:LogLevel:Default=Warning", "--max-failed-reveals", "0"];

    protected EdgeServer(int port)
    {
        Port = port;
        BaseUri = new Uri("http://127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/");
    }

    /// <summary>The mode of this run, from <see cref="ModeVariable"/>.</summary>
    public static EdgeMode Mode { get; } = ReadMode();

    /// <summary>True when the edge keeps its data in an embedded store under a data directory we choose (restart tests).</summary>
    public static bool HasEmbeddedStore => Mode != EdgeMode.Binary;

    /// <summary>Always 127.0.0.1.</summary>
    public static string Host => "127.0.0.1";

    /// <summary>The port the edge listens on.</summary>
    public int Port { get; }

    /// <summary>The edge's endpoint.</summary>
    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    /// <summary><c>http://127.0.0.1:port/</c>.</summary>
    public Uri BaseUri { get; }

    /// <summary>What the server wrote so far (child processes) or a description, for failure messages.</summary>
    public abstract string Diagnostics { get; }

    /// <summary>Starts an edge in the mode of this run and returns once it listens.</summary>
    public static async Task<EdgeServer> StartAsync(EdgeServerOptions? options = null)
    {
        options ??= new EdgeServerOptions();
        string[] arguments = [.. s_commonArguments, .. options.Arguments];
        return Mode switch
        {
            EdgeMode.InProcess => await InProcessEdgeServer.StartAsync(arguments, options.DataDirectory),
            EdgeMode.Process => await ProcessEdgeServer.StartDllAsync(LocateEdgeDll(), arguments, options.DataDirectory),
            _ => await ProcessEdgeServer.StartBinaryAsync(RequireVariable(BinaryVariable), RequireVariable(StoreVariable), arguments),
        };
    }

    /// <inheritdoc />
    public abstract ValueTask DisposeAsync();

    private static EdgeMode ReadMode()
    {
        var value = Environment.GetEnvironmentVariable(ModeVariable);
        return value?.Trim().ToUpperInvariant() switch
        {
            null or "" or "INPROCESS" => EdgeMode.InProcess,
            "PROCESS" => EdgeMode.Process,
            "BINARY" => EdgeMode.Binary,
            _ => throw new InvalidOperationException(ModeVariable + "='" + value + "': expected inprocess, process or binary"),
        };
    }

    private static string LocateEdgeDll()
    {
        // The test project references Ots.Edge, so the build copies Ots.Edge.dll (with its runtimeconfig and deps
        // files) next to the test assembly.
        var path = Environment.GetEnvironmentVariable(DllVariable);
        if (string.IsNullOrWhiteSpace(path))
        {
            path = Path.Combine(AppContext.BaseDirectory, "Ots.Edge.dll");
        }

        return File.Exists(path) ? path : throw new FileNotFoundException("The edge to run in process mode is missing", path);
    }

    private static string RequireVariable(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException(ModeVariable + "=binary needs " + name)
            : value;
    }
}
