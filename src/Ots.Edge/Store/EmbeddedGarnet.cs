using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Garnet;
using Garnet.common;
using Garnet.server;
using Garnet.server.Auth.Settings;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tsavorite.core;

namespace Ots.Edge.Store;

/// <summary>
/// Garnet hosted in this process on a loopback port, with its append-only file and checkpoints under a data
/// directory: the default store (DESIGN §5), reached through the same <see cref="SecretStore"/> as a remote one.
/// </summary>
/// <remarks>
/// This file is the only one that references Garnet. Garnet does not survive Native AOT (FACTS.md), so an AOT
/// build can drop this file and the Microsoft.Garnet package behind one feature switch.
/// <para>
/// Data directory layout (Garnet 2.2.8): <c>AOF/aof.log.N</c> (append-only file segments) and
/// <c>AOF/log-commits/</c>; <c>Store/hlog.N</c> (log pages spilled to disk) and <c>Store/checkpoints/</c>.
/// </para>
/// </remarks>
public sealed partial class EmbeddedGarnet : IDisposable
{
    // Binding to a port we reserved can still lose a race with another process taking it in between.
    private const int MaxBindAttempts = 5;

    // Garnet's own ratios: the AOF page must hold at least two log pages and the AOF buffer two AOF pages. A 1 MiB
    // log page keeps values up to 512 KiB inline, far above the 128 KiB body limit, and small pages keep the
    // process small: with Garnet's 16 MiB page and 128 MiB AOF buffer a 64 MiB store measured ~210 MiB of heap
    // before the first key, with these ~40 MiB.
    private const long PageSize = 1L * 1024 * 1024;
    private const long AofPageSize = 4 * PageSize;
    private const long AofMemorySize = 4 * AofPageSize;
    private const long MinMemorySize = 4 * PageSize;
    private const long MinIndexSize = 1L * 1024 * 1024;

    private readonly GarnetServer _server;
    private readonly ILogger _logger;
    private readonly string _password;

    private EmbeddedGarnet(GarnetServer server, IPEndPoint endPoint, string password, ILogger logger)
    {
        _server = server;
        EndPoint = endPoint;
        _password = password;
        _logger = logger;
    }

    /// <summary>The loopback endpoint the store listens on.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// A StackExchange.Redis configuration string for <see cref="EndPoint"/>: <c>127.0.0.1:port,password=…</c>.
    /// Holds the store's password: hand it to a multiplexer, never to a log.
    /// </summary>
    /// <remarks>
    /// The store asks every connection for a password, by default made up at each start (256 random bits) and never
    /// leaving this process: another local user or process that finds the loopback port can neither read records
    /// and guards (ids, sizes, lifetimes) nor delete or burn secrets.
    /// </remarks>
    public string ConnectionString => EndPoint + ",password=" + _password;

    /// <summary>
    /// Creates the data directory if needed, recovers what it holds (checkpoint, then append-only file) and starts
    /// listening. Blocks meanwhile: on an empty directory about 0.1 s warm, 0.5 s on a cold JIT; longer when a
    /// long append-only-file tail has to be replayed.
    /// </summary>
    /// <param name="options">Where and how to run.</param>
    /// <param name="loggerFactory">Receives Garnet's log (errors only by default), or <see langword="null"/> for none.</param>
    /// <exception cref="GarnetException">The store could not start, e.g. the fixed <see cref="EmbeddedGarnetOptions.Port"/> is taken.</exception>
    public static EmbeddedGarnet Start(EmbeddedGarnetOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DataDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MemorySize, MinMemorySize);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SegmentSize, AofPageSize);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Port);
        if (options.Password is { } given && (string.IsNullOrWhiteSpace(given) || given.AsSpan().IndexOfAny(',', '=') >= 0))
        {
            throw new ArgumentException("The password must not be blank, nor contain ',' or '=' (StackExchange.Redis's configuration syntax).", nameof(options));
        }
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);

        for (var attempt = 1; ; attempt++)
        {
            // Garnet accepts port 0 and lets the OS choose, but 2.2.8 exposes only the configured endpoint, not the
            // bound one. So choose the port here: bind 127.0.0.1:0, read the port, release it, hand it to Garnet.
            var endPoint = new IPEndPoint(IPAddress.Loopback, options.Port != 0 ? options.Port : ReserveLoopbackPort());

            // Base64url: no character that StackExchange.Redis's configuration syntax gives a meaning (',' '=').
            var password = options.Password ?? Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
            var serverOptions = CreateServerOptions(options, dataDirectory, endPoint);
            serverOptions.AuthSettings = new PasswordAuthenticationSettings(password);
            var server = new GarnetServer(serverOptions, loggerFactory, servers: null, cleanupDir: false);
            try
            {
                server.Start();
                return new EmbeddedGarnet(server, endPoint, password, (ILogger?)loggerFactory?.CreateLogger<EmbeddedGarnet>() ?? NullLogger.Instance);
            }
            catch (GarnetException e) when (options.Port == 0 && attempt < MaxBindAttempts && IsAddressInUse(e))
            {
                // The port was taken between our release and Garnet's bind (in the ephemeral range, an outgoing
                // connection can take it too): try another one.
                server.Dispose(deleteDir: false);
            }
            catch
            {
                server.Dispose(deleteDir: false);
                throw;
            }
        }
    }

    /// <summary>Stops the store. The data directory stays, and the next <see cref="Start"/> on it recovers its contents.</summary>
    public void Dispose()
    {
        try
        {
            _server.Dispose(deleteDir: false);
        }
        catch (NullReferenceException exception)
        {
            // Garnet 2.2.8 (seen once in ~10 test runs, with records spilled to disk and background tasks every
            // second): the store's own session, the one its background tasks use, completes a pending disk read
            // while being disposed and Tsavorite's CreateNewRecordRMW throws. Writes reach the AOF as they happen (a
            // commit is issued per operation), so there is nothing left to save: log it, don't crash the shutdown.
            LogDisposeFailed(_logger, exception);
        }
    }

    private static GarnetServerOptions CreateServerOptions(EmbeddedGarnetOptions options, string dataDirectory, IPEndPoint endPoint) => new()
    {
        EndPoints = [endPoint],
        QuietMode = true,

        // Durability (DESIGN §3): every write goes to the append-only file, replayed on start after the last
        // checkpoint. The default device needs glibc 2.38, libaio and liburing and aborts on Debian 12 at the first
        // flush (FACTS.md); RandomAccess is plain .NET file I/O.
        EnableAOF = true,
        Recover = true,
        DeviceType = DeviceType.RandomAccess,
        CheckpointDir = dataDirectory,
        WaitForCommit = options.WaitForCommit,
        CheckpointFrequencySecs = Seconds(options.CheckpointInterval, off: 0),

        // A store that started without what it had acknowledged (say, its checkpoint but not the AOF after it) would
        // bring revealed secrets back: refuse to start instead, so the edge fails loudly, not silently.
        FailOnRecoveryError = true,

        // Storage tier: records older than the in-memory log spill to LogDir. Without it, LogMemorySize is a hard
        // capacity and Garnet silently evicts the oldest records once it is full (checked: 20 MB written into a
        // 4 MiB log kept 30 of 200 keys) — a secret would vanish before its TTL, or lose its record but keep its
        // guard and answer the right phrase with 403.
        EnableStorageTier = true,
        LogDir = dataDirectory,
        LogMemorySize = Size(options.MemorySize),
        PageSize = Size(PageSize),
        SegmentSize = Size(options.SegmentSize),
        IndexMemorySize = Size(Math.Max(MinIndexSize, options.MemorySize / 16)),
        AofPageSize = Size(AofPageSize),
        AofMemorySize = Size(AofMemorySize),
        AofSegmentSize = Size(options.SegmentSize),

        // Revealed and expired records stay in the on-disk log until compaction copies the live ones forward
        // (Lookup: no data loss) and the next checkpoint deletes the old segments.
        CompactionType = LogCompactionType.Lookup,
        CompactionFrequencySecs = Seconds(options.CompactionInterval, off: 0),
        CompactionMaxSegments = options.CompactionMaxSegments,

        // Expired keys are otherwise removed only when read, and most secrets are never read after they expire.
        // Compaction does not remove them either: it copies an expired record forward like a live one (Garnet 2.2.8),
        // to the in-memory end of the log this scan covers. Without the scan they would stay on disk for good.
        ExpiredKeyDeletionScanFrequencySecs = Seconds(options.ExpiredKeyScanInterval, off: -1),
    };

    // Garnet takes sizes as strings ("64m"); a plain byte count is accepted too.
    private static string Size(long bytes) => bytes.ToString(CultureInfo.InvariantCulture);

    // Garnet takes whole seconds, and each option has its own "off" (0, or -1 for the expired-key scan); round up so
    // a sub-second interval does not switch the task off.
    private static int Seconds(TimeSpan interval, int off) =>
        interval <= TimeSpan.Zero ? off : (int)Math.Min(Math.Ceiling(interval.TotalSeconds), int.MaxValue);

    private static int ReserveLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The embedded Garnet threw while stopping; its data directory is kept")]
    private static partial void LogDisposeFailed(ILogger logger, Exception exception);

    private static bool IsAddressInUse(GarnetException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse };
}
