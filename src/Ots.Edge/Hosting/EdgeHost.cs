using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

        if (string.IsNullOrWhiteSpace(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(OtsOptions.DefaultUrls);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Limits.MaxConcurrentUpgradedConnections = 0;

            // Every endpoint, whether from --urls, ASPNETCORE_URLS or configuration, is served by our handler.
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.UseConnectionHandler<OtsConnectionHandler>());
        });

        if (options.Store.Length == 0 && !EmbeddedStoreFeature.IsSupported)
        {
            await error.WriteLineAsync("ots: this build has no embedded store: pass --store host:port (or OTS_STORE) of a Garnet or Redis server");
            return null;
        }

        // Typed as IDisposable so that nothing outside the feature-switched branch references Garnet's types
        // (CA1859 would have it typed as EmbeddedGarnet, which keeps Garnet reachable in the AOT binary).
#pragma warning disable CA1859
        IDisposable? embeddedStore = null;
#pragma warning restore CA1859
        ConnectionMultiplexer? multiplexer = null;
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

            multiplexer = await StoreConnection.ConnectAsync(storeConfiguration, options.StoreTimeout);
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(new SecretStore(multiplexer, options.MaxPhraseAttempts));

            var app = builder.Build();
            await app.StartAsync();
            var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
            var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Ots.Edge");
            Log.Started(logger, string.Join(", ", addresses), storeDescription);
            return new RunningEdge(app, multiplexer, embeddedStore, addresses);
        }
        catch (Exception exception) when (exception is IOException or InvalidOperationException or RedisException or UnauthorizedAccessException or FormatException or ArgumentException)
        {
            await error.WriteLineAsync("ots: cannot start: " + exception.Message);
            multiplexer?.Dispose();
            embeddedStore?.Dispose();
            return null;
        }
    }

    /// <summary>Prints every option with its default and environment variable.</summary>
    public static void PrintHelp(TextWriter output)
    {
        output.WriteLine("ots " + Version + " - one-time secret service");
        output.WriteLine();
        output.WriteLine("Usage: Ots.Edge [options]   (dotnet run -c Release --project src/Ots.Edge -- [options])");
        output.WriteLine();
        output.WriteLine("  --urls URLS                 listen URLs, ';'-separated (env ASPNETCORE_URLS or OTS_URLS) [" + OtsOptions.DefaultUrls + "]");
        foreach (var setting in OtsOptions.Settings)
        {
            output.WriteLine($"  {setting.Switch + " VALUE",-32}{setting.Description} (env {setting.EnvironmentVariable}) [{setting.Default}]");
        }

        output.WriteLine("  --health-check URL          GET URL once; exit 0 on 2xx, else 1 (container health checks)");
        output.WriteLine("  --help, -h                  this help");
        output.WriteLine("  --version                   the version");
    }
}

/// <summary>A started edge and what it owns; disposing stops it and then the store.</summary>
public sealed class RunningEdge : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _multiplexer;
    private readonly IDisposable? _embeddedStore;

    internal RunningEdge(WebApplication app, ConnectionMultiplexer multiplexer, IDisposable? embeddedStore, IReadOnlyList<string> addresses)
    {
        App = app;
        _multiplexer = multiplexer;
        _embeddedStore = embeddedStore;
        Addresses = addresses;
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
    }
}
