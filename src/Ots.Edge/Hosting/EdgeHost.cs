using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Ots.Edge.Abuse;
using Ots.Edge.Metrics;
using Ots.Edge.Store;
using StackExchange.Redis;

namespace Ots.Edge.Hosting;

/// <summary>
/// Starts the edge: options, the store (embedded Garnet unless <c>--store</c> names one), the multiplexer, and a
/// slim Kestrel host whose every endpoint is served by <see cref="OtsConnectionHandler"/>.
/// </summary>
public static class EdgeHost
{
    /// <summary>The process entry: serves until SIGTERM/Ctrl+C. Exit code 2 for a configuration error.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            PrintHelp(Console.Out);
            return 0;
        }

        var healthCheck = Array.IndexOf(args, "--health-check");
        if (healthCheck >= 0)
        {
            return await HealthCheckCommand.RunAsync(healthCheck + 1 < args.Length ? args[healthCheck + 1] : "", Console.Error);
        }

        if (args.Contains("--version"))
        {
            await Console.Out.WriteLineAsync("ots " + Version);
            return 0;
        }

        await using var edge = await TryStartAsync(args, Console.Error);
        if (edge is null)
        {
            return 2;
        }

        await edge.App.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>The product version, from the assembly.</summary>
    public static string Version =>
        typeof(EdgeHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

    /// <summary>
    /// Starts an edge and returns once it listens; null, after one line on <paramref name="error"/>, when the
    /// configuration is invalid or the listener cannot start.
    /// </summary>
    public static async Task<RunningEdge?> TryStartAsync(string[] args, TextWriter error)
    {
        var builder = WebApplication.CreateSlimBuilder(args);

        // OTS_* environment variables, then the command line again with its --kebab-case switches mapped, so the
        // command line wins over the environment, which wins over appsettings.json.
        builder.Configuration.AddEnvironmentVariables("OTS_");
        builder.Configuration.AddCommandLine(args, OtsOptions.SwitchMappings());
        if (!OtsOptions.TryLoad(builder.Configuration, out var options, out var problem))
        {
            await error.WriteLineAsync("ots: " + problem);
            return null;
        }

        ConfigureLogging(builder.Logging, options);

        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
        if (!ListenUrls.TryParse(string.IsNullOrWhiteSpace(urls) ? OtsOptions.DefaultUrls : urls, out var listenUrls, out problem))
        {
            await error.WriteLineAsync("ots: " + problem);
            return null;
        }

        List<ListenUrl> metricsUrls = [];
        if (options.MetricsUrls.Length > 0)
        {
            if (!ListenUrls.TryParse(options.MetricsUrls, out metricsUrls, out problem))
            {
                await error.WriteLineAsync("ots: --metrics-urls: " + problem);
                return null;
            }

            if (metricsUrls.Any(url => url.IsHttps))
            {
                await error.WriteLineAsync("ots: --metrics-urls takes http:// URLs only (keep the operations listener on an internal network)");
                return null;
            }
        }

        var anyHttps = listenUrls.Any(url => url.IsHttps);
        if (anyHttps != (options.HttpsCertificate.Length > 0))
        {
            await error.WriteLineAsync(anyHttps
                ? "ots: an https:// URL needs --https-cert and --https-key (PEM files)"
                : "ots: --https-cert is given but no URL of --urls is https://");
            return null;
        }

        X509Certificate2? certificate = null;
        if (anyHttps)
        {
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(options.HttpsCertificate, options.HttpsKey);
            }
            catch (Exception exception) when (exception is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
            {
                // The message names the file or the problem, never key material.
                await error.WriteLineAsync("ots: cannot load --https-cert/--https-key: " + exception.Message);
                return null;
            }
        }

        // Kestrel binds exactly the endpoints below. Leave it no address from urls/http_ports to "override" (with a
        // warning). The host falls back to the URLs it saw at creation when "urls" is empty, so it is set to ";":
        // not empty, and no address. A last configuration source wins over the command line and the environment.
        builder.Configuration.AddInMemoryCollection(
        [
            new(WebHostDefaults.ServerUrlsKey, ";"),
            new(WebHostDefaults.HttpPortsKey, ""),
            new(WebHostDefaults.HttpsPortsKey, ""),
        ]);

        // Run the connection handler on the socket's I/O thread instead of queueing every read's continuation to the
        // thread pool (as the ASP.NET platform benchmarks do). Safe here because the handler never blocks: its CPU
        // work per request is bounded by the body limit (well under a millisecond), and it awaits the store (the
        // store client completes its replies on the thread pool). Measured: ~20 % more generates per second at
        // c32, and Garnet spends ~1/3 less CPU per request, since commands issued by one I/O wake-up leave together.
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = 0;

            // Each URL is bound explicitly. Endpoint defaults are applied before a Listen callback runs, so a
            // terminal UseConnectionHandler set there would sit in front of UseHttps and swallow the TLS bytes.
            foreach (var url in listenUrls)
            {
                url.Listen(kestrel, certificate);
            }

            // After the public endpoints, so that their addresses come first in the server's address list.
            foreach (var url in metricsUrls)
            {
                url.Listen(kestrel, certificate: null, operations: true);
            }
        });

        if (options.Store.Length == 0 && !EmbeddedStoreFeature.IsSupported)
        {
            await error.WriteLineAsync("ots: this build has no embedded store: pass --store host:port (or OTS_STORE) of a Garnet or Redis server");
            certificate?.Dispose();
            return null;
        }

        // Typed as IDisposable so that nothing outside the feature-switched branch references Garnet's types
        // (CA1859 would have it typed as EmbeddedGarnet, which keeps Garnet reachable in the AOT binary).
#pragma warning disable CA1859
        IDisposable? embeddedStore = null;
#pragma warning restore CA1859
        ConnectionMultiplexer? multiplexer = null;
        OtsMetrics? metrics = null;
        try
        {
            var storeConfiguration = options.Store;
            var storeDescription = "external";
            if (storeConfiguration.Length == 0 && EmbeddedStoreFeature.IsSupported)
            {
                var dataDirectory = Path.GetFullPath(options.DataDir);
                var garnet = EmbeddedGarnet.Start(new EmbeddedGarnetOptions { DataDirectory = dataDirectory });
                embeddedStore = garnet;
                storeConfiguration = garnet.ConnectionString;
                storeDescription = "embedded Garnet, data in " + dataDirectory;
            }

            multiplexer = await StoreConnection.ConnectAsync(storeConfiguration, options.StoreTimeout, embeddedStore is null ? options.StorePassword : null);
            metrics = new OtsMetrics();
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(metrics);
            var store = new SecretStore(multiplexer, options.MaxPhraseAttempts);
            builder.Services.AddSingleton(store);
            builder.Services.AddSingleton(new FailedRevealLimiter(options.MaxFailedReveals, options.FailedRevealWindow));

            // SIGTERM: Kestrel stops accepting, asks every connection to close (the handler ends idle ones at once and
            // lets busy ones finish their request), and aborts what is left when this runs out. Set explicitly: the
            // host's default (30 s) is longer than most orchestrators wait before SIGKILL.
            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);

            var app = builder.Build();
            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ots.Edge");
            Log.Started(logger, string.Join(", ", addresses), storeDescription);
            foreach (var option in SecretsOnCommandLine(args))
            {
                Log.SecretOnCommandLine(logger, option);
            }

            store.LateClaimSettled += outcome => OnLateClaim(outcome, metrics, logger);
            if (certificate is not null)
            {
                Log.TlsConfigured(logger, string.Join(", ", addresses.Where(address => address.StartsWith("https:", StringComparison.Ordinal))), certificate.Subject, certificate.NotAfter.ToUniversalTime());
            }

            return new RunningEdge(app, multiplexer, embeddedStore, addresses, metrics, certificate);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or RedisException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            await error.WriteLineAsync("ots: cannot start: " + exception.Message);
            multiplexer?.Dispose();
            embeddedStore?.Dispose();
            metrics?.Dispose();
            certificate?.Dispose();
            return null;
        }
    }

    /// <summary>
    /// The options of <paramref name="args"/> that carry a secret (<c>--pepper</c>, <c>--previous-pepper</c>, a <c>--store</c> with
    /// <c>password=</c>): every local user can read a command line (<c>ps</c>), not a file or the environment.
    /// </summary>
    internal static IEnumerable<string> SecretsOnCommandLine(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var n, var v] ? (n, v) : (args[i], i + 1 < args.Length ? args[i + 1] : "");
            if (string.Equals(name, "--pepper", StringComparison.OrdinalIgnoreCase))
            {
                yield return "--pepper";
            }
            else if (string.Equals(name, "--previous-pepper", StringComparison.OrdinalIgnoreCase) && !value.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                yield return "--previous-pepper";
            }
            else if (string.Equals(name, "--store", StringComparison.OrdinalIgnoreCase) && value.Contains("password=", StringComparison.OrdinalIgnoreCase))
            {
                yield return "--store";
            }
        }
    }

    private static void OnLateClaim(LateClaim outcome, OtsMetrics metrics, ILogger logger)
    {
        metrics.LateClaimSettled(outcome);
        if (outcome == LateClaim.PutBack)
        {
            Log.LateClaimPutBack(logger);
        }
        else if (outcome == LateClaim.Unknown)
        {
            Log.LateClaimUnknown(logger);
        }
    }

    /// <summary>
    /// Console logging as configured: plain single lines or JSON objects, UTC timestamps. The access log has its own
    /// category, switched on or off here whatever the default level is (tests run with warnings only).
    /// </summary>
    private static void ConfigureLogging(ILoggingBuilder logging, OtsOptions options)
    {
        logging.ClearProviders();
        if (options.LogFormat == LogFormat.Json)
        {
            logging.AddJsonConsole(console =>
            {
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";
            });
        }
        else
        {
            logging.AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.UseUtcTimestamp = true;
                console.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
            });
        }

        logging.AddFilter(Log.AccessLogCategory, options.AccessLog ? LogLevel.Information : LogLevel.None);
    }

    /// <summary>Prints every option with its default and environment variable.</summary>
    public static void PrintHelp(TextWriter output)
    {
        output.WriteLine("ots " + Version + " - one-time secret service");
        output.WriteLine();
        output.WriteLine("Usage: Ots.Edge [options]   (dotnet run -c Release --project src/Ots.Edge -- [options])");
        output.WriteLine();
        List<(string Option, string Text)> lines =
        [
            ("--urls URLS", "listen URLs, ';'-separated, http:// or https:// (env ASPNETCORE_URLS or OTS_URLS) [" + OtsOptions.DefaultUrls + "]"),
            .. OtsOptions.Settings.Select(setting =>
                (setting.Switch + " VALUE", setting.Description + " (env " + setting.EnvironmentVariable + ") [" + setting.Default + "]")),
            ("--health-check URL", "GET URL once (http:// only); exit 0 on 2xx, else 1 (container health checks)"),
            ("--help, -h", "this help"),
            ("--version", "the version"),
        ];

        // One column for every option, two spaces wider than the longest.
        var width = lines.Max(line => line.Option.Length) + 2;
        foreach (var (option, text) in lines)
        {
            output.WriteLine("  " + option.PadRight(width) + text);
        }
    }
}

/// <summary>A started edge and what it owns; disposing stops it and then the store.</summary>
public sealed class RunningEdge : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly IDisposable? _embeddedStore;
    private readonly OtsMetrics _metrics;
    private readonly X509Certificate2? _certificate;

    internal RunningEdge(
        WebApplication app, ConnectionMultiplexer multiplexer, IDisposable? embeddedStore, IReadOnlyList<string> addresses, OtsMetrics metrics, X509Certificate2? certificate)
    {
        App = app;
        _multiplexer = multiplexer;
        _embeddedStore = embeddedStore;
        Addresses = addresses;
        _metrics = metrics;
        _certificate = certificate;
    }

    /// <summary>The host.</summary>
    public WebApplication App { get; }

    /// <summary>The addresses Kestrel bound (with the real port when 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await _multiplexer.CloseAsync();
        _multiplexer.Dispose();
        _embeddedStore?.Dispose();
        _metrics.Dispose();
        _certificate?.Dispose();
    }
}
