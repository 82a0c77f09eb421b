using System.Globalization;
using Microsoft.Extensions.Configuration;
using Ots.Protocol.Http;
using Ots.Protocol.Routes;

namespace Ots.Edge.Hosting;

/// <summary>
/// Every setting of the edge, read from standard .NET configuration (command line, <c>OTS_</c> environment
/// variables, appsettings.json) and validated once at start. The option table lives in <see cref="Settings"/>
/// so that loading, validation and <c>--help</c> cannot drift apart.
/// </summary>
public sealed record OtsOptions
{
    /// <summary>The listen URLs when none are configured.</summary>
    public const string DefaultUrls = "http://localhost:8080";

    /// <summary>A StackExchange.Redis configuration string of a remote Garnet/Redis; empty for the embedded Garnet.</summary>
    public string Store { get; init; } = "";

    /// <summary>
    /// The remote store's password read from <c>--store-password-file</c>, which overrides a <c>password=</c> in
    /// <see cref="Store"/>; empty when none was given.
    /// </summary>
    public string StorePassword { get; init; } = "";

    /// <summary>Where the embedded Garnet keeps its AOF and checkpoints.</summary>
    public string DataDir { get; init; } = "data";

    /// <summary>Wrong phrases a secret survives; the last one destroys it.</summary>
    public int MaxPhraseAttempts { get; init; } = 5;

    /// <summary>Optional server-wide HKDF salt: a dump of the store is useless without it.</summary>
    public byte[] Pepper { get; init; } = [];

    /// <summary>
    /// During a pepper rotation, the pepper secrets created before it were derived with (empty: they had none);
    /// reveals try it after <see cref="Pepper"/>. Null when no rotation is under way.
    /// </summary>
    public byte[]? PreviousPepper { get; init; }

    /// <summary>Largest decoded request body.</summary>
    public int MaxBodyBytes { get; init; } = HttpLimits.DefaultMaxBodyBytes;

    /// <summary>Default and maximum time to live.</summary>
    public TtlPolicy Ttl { get; init; } = TtlPolicy.Default;

    /// <summary>How long a store call may take before the request is answered 503.</summary>
    public TimeSpan StoreTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Time allowed from a request's first byte to the end of its header section (slowloris).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Time allowed to receive a request body once its head is in.</summary>
    public TimeSpan BodyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an idle keep-alive connection stays open.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Open connections at most; further ones are refused by Kestrel.</summary>
    public long MaxConnections { get; init; } = 10_000;

    /// <summary>How long a stopping edge (SIGTERM) lets in-flight requests finish before it closes their connections.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Failed reveals (403, 404) one client address may make within <see cref="FailedRevealWindow"/> before its reveals get 429; 0: no limit.</summary>
    public int MaxFailedReveals { get; init; } = 20;

    /// <summary>The window of <see cref="MaxFailedReveals"/>.</summary>
    public TimeSpan FailedRevealWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Whether the client address is the right-most <c>X-Forwarded-For</c> entry (only behind a proxy that sets it).</summary>
    public bool TrustForwardedFor { get; init; }

    /// <summary>Console log format.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Plain;

    /// <summary>Whether every answered or rejected request is logged (method, route template, status, duration).</summary>
    public bool AccessLog { get; init; }

    /// <summary>PEM certificate (optionally followed by its chain) served on https:// URLs; empty: no TLS.</summary>
    public string HttpsCertificate { get; init; } = "";

    /// <summary>PEM private key of <see cref="HttpsCertificate"/>.</summary>
    public string HttpsKey { get; init; } = "";

    /// <summary>
    /// <c>;</c>-separated http:// URLs of a separate operations listener (<c>/metrics</c>, <c>/healthz</c>,
    /// <c>/readyz</c> only); empty: <c>/metrics</c> is served on the <c>--urls</c> listeners.
    /// </summary>
    public string MetricsUrls { get; init; } = "";

    /// <summary>
    /// Names no secret. A record's generated <c>ToString</c> prints every property, and these hold the store's
    /// password (in <see cref="Store"/> and <see cref="StorePassword"/>) and the pepper: a log line of the options
    /// must not carry them.
    /// </summary>
    public override string ToString() => "OtsOptions { (not printed: they hold the store's password and the peppers) }";

    /// <summary>The documented settings: configuration key, command-line switch, meaning and default.</summary>
    public static IReadOnlyList<Setting> Settings { get; } =
    [
        new("Store", "--store", "Redis/Garnet connection string (StackExchange.Redis format); empty: embedded Garnet", "(embedded)"),
        new("StorePasswordFile", "--store-password-file", "file whose first line is the store's password; overrides password= of --store", "(none)"),
        new("DataDir", "--data-dir", "data directory of the embedded Garnet (AOF, checkpoints)", "./data"),
        new("MaxPhraseAttempts", "--max-phrase-attempts", "wrong phrases before a secret is destroyed (1-1000)", "5"),
        new("Pepper", "--pepper", "optional server secret mixed into every key derivation, base64, at least 16 bytes", "(none)"),
        new("PepperFile", "--pepper-file", "file holding the pepper (base64, as --pepper), instead of --pepper", "(none)"),
        new("PreviousPepper", "--previous-pepper", "during a pepper rotation, the pepper before it (base64, or none if there was none): secrets created under it still reveal", "(none)"),
        new("PreviousPepperFile", "--previous-pepper-file", "file holding --previous-pepper, instead of it", "(none)"),
        new("MaxBodyBytes", "--max-body-bytes", "largest request body in bytes (1024-16777216)", "131072"),
        new("DefaultTtlSeconds", "--default-ttl-seconds", "time to live when the request names none", "604800"),
        new("MaxTtlSeconds", "--max-ttl-seconds", "longest time to live; longer requests are clamped", "604800"),
        new("StoreTimeoutSeconds", "--store-timeout-seconds", "store call timeout before a 503", "2"),
        new("HeaderTimeoutSeconds", "--header-timeout-seconds", "time to receive a request's headers", "10"),
        new("BodyTimeoutSeconds", "--body-timeout-seconds", "time to receive a request's body", "10"),
        new("KeepAliveTimeoutSeconds", "--keep-alive-timeout-seconds", "idle time before a keep-alive connection closes", "120"),
        new("MaxConnections", "--max-connections", "open connections at most", "10000"),
        new("ShutdownTimeoutSeconds", "--shutdown-timeout-seconds", "on SIGTERM, time for in-flight requests to finish before their connections are closed", "5"),
        new("MaxFailedReveals", "--max-failed-reveals", "failed reveals (403/404) per client address within the window before 429 (0: no limit)", "20"),
        new("FailedRevealWindowSeconds", "--failed-reveal-window-seconds", "the window of --max-failed-reveals", "60"),
        new("TrustForwardedFor", "--trust-forwarded-for", "take the client address from the right-most X-Forwarded-For entry (behind a trusted proxy only; true/false)", "false"),
        new("LogFormat", "--log-format", "console log format: plain (one line per entry) or json (one object per line)", "plain"),
        new("AccessLog", "--access-log", "log every request: method, route template (never a key), status, duration (true/false)", "false"),
        new("HttpsCert", "--https-cert", "PEM certificate file (chain allowed) for the https:// URLs of --urls", "(none)"),
        new("HttpsKey", "--https-key", "PEM private key file of --https-cert (unencrypted)", "(none)"),
        new("MetricsUrls", "--metrics-urls", "a separate listener (;-separated http:// URLs) that serves /metrics, /healthz and /readyz only; --urls then answers /metrics 404", "(none: /metrics on --urls)"),
    ];

    /// <summary>Command-line switches mapped to configuration keys (<c>--data-dir</c> → <c>DataDir</c>).</summary>
    public static Dictionary<string, string> SwitchMappings()
    {
        var mappings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in Settings)
        {
            mappings[setting.Switch] = setting.Key;
        }

        return mappings;
    }

    /// <summary>Reads and validates the options. Returns false with one line saying what is wrong.</summary>
    public static bool TryLoad(IConfiguration configuration, out OtsOptions options, out string error)
    {
        options = new OtsOptions();
        var reader = new Reader(configuration);
        var defaultTtl = reader.Seconds("DefaultTtlSeconds", 604_800, 0.001, 604_800);
        var maxTtl = reader.Seconds("MaxTtlSeconds", 604_800, 0.001, 604_800);
        options = new OtsOptions
        {
            Store = configuration["Store"]?.Trim() ?? "",
            StorePassword = reader.SecretFile("StorePasswordFile"),
            DataDir = reader.Text("DataDir", "data"),
            MaxPhraseAttempts = (int)reader.Integer("MaxPhraseAttempts", 5, 1, 1000),
            Pepper = reader.Pepper("Pepper", "PepperFile"),
            PreviousPepper = reader.PreviousPepper("PreviousPepper", "PreviousPepperFile"),
            MaxBodyBytes = (int)reader.Integer("MaxBodyBytes", HttpLimits.DefaultMaxBodyBytes, 1024, 16 * 1024 * 1024),
            Ttl = new TtlPolicy((long)Math.Ceiling(defaultTtl.TotalMilliseconds), (long)Math.Ceiling(maxTtl.TotalMilliseconds)),
            StoreTimeout = reader.Seconds("StoreTimeoutSeconds", 2, 0.05, 60),
            HeaderTimeout = reader.Seconds("HeaderTimeoutSeconds", 10, 0.1, 3600),
            BodyTimeout = reader.Seconds("BodyTimeoutSeconds", 10, 0.1, 3600),
            KeepAliveTimeout = reader.Seconds("KeepAliveTimeoutSeconds", 120, 0.1, 86_400),
            MaxConnections = reader.Integer("MaxConnections", 10_000, 1, 1_000_000),
            ShutdownTimeout = reader.Seconds("ShutdownTimeoutSeconds", 5, 0, 3600),
            MaxFailedReveals = (int)reader.Integer("MaxFailedReveals", 20, 0, 1_000_000),
            FailedRevealWindow = reader.Seconds("FailedRevealWindowSeconds", 60, 1, 86_400),
            TrustForwardedFor = reader.Boolean("TrustForwardedFor", false),
            LogFormat = reader.Choice("LogFormat", LogFormat.Plain, ("plain", LogFormat.Plain), ("json", LogFormat.Json)),
            AccessLog = reader.Boolean("AccessLog", false),
            HttpsCertificate = reader.Text("HttpsCert", ""),
            HttpsKey = reader.Text("HttpsKey", ""),
            MetricsUrls = reader.Text("MetricsUrls", ""),
        };

        if (reader.Error is null && options.Ttl.DefaultMilliseconds > options.Ttl.MaxMilliseconds)
        {
            reader.Error = "invalid DefaultTtlSeconds: it must not exceed MaxTtlSeconds";
        }

        if (reader.Error is null && options.StorePassword.Length > 0 && options.Store.Length == 0)
        {
            reader.Error = "--store-password-file needs --store: the embedded Garnet makes up its own password";
        }

        if (reader.Error is null && options.PreviousPepper is { } previous && previous.AsSpan().SequenceEqual(options.Pepper))
        {
            reader.Error = options.Pepper.Length == 0
                ? "--previous-pepper none needs a --pepper: there is no rotation without a new pepper"
                : "--previous-pepper is the current --pepper: give the pepper the secrets were created with before the rotation";
        }

        if (reader.Error is null && (options.HttpsCertificate.Length == 0) != (options.HttpsKey.Length == 0))
        {
            reader.Error = "--https-cert and --https-key go together: give both PEM files, or neither";
        }

        error = reader.Error ?? "";
        return reader.Error is null;
    }

    /// <summary>One documented setting.</summary>
    public sealed record Setting(string Key, string Switch, string Description, string Default)
    {
        /// <summary>The environment variable that sets it.</summary>
        public string EnvironmentVariable => "OTS_" + Key.ToUpperInvariant();
    }

    /// <summary>Reads typed values and keeps the first error, phrased for a person.</summary>
    private sealed class Reader(IConfiguration configuration)
    {
        public string? Error { get; set; }

        public string Text(string key, string fallback)
        {
            var value = configuration[key];
            return string.IsNullOrWhiteSpace(value) ? fallback : value.Trim();
        }

        public long Integer(string key, long fallback, long min, long max)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                return fallback;
            }

            if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max)
            {
                return result;
            }

            Fail($"invalid {key} '{value}': expected a whole number from {min} to {max}");
            return fallback;
        }

        public bool Boolean(string key, bool fallback)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                return fallback;
            }

            if (bool.TryParse(value.Trim(), out var result))
            {
                return result;
            }

            Fail($"invalid {key} '{value}': expected true or false");
            return fallback;
        }

        public T Choice<T>(string key, T fallback, params (string Name, T Value)[] choices)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                return fallback;
            }

            foreach (var (name, choice) in choices)
            {
                if (string.Equals(name, value.Trim(), StringComparison.OrdinalIgnoreCase))
                {
                    return choice;
                }
            }

            Fail($"invalid {key} '{value}': expected " + string.Join(" or ", choices.Select(choice => choice.Name)));
            return fallback;
        }

        public TimeSpan Seconds(string key, double fallback, double min, double max)
        {
            var value = configuration[key];
            if (string.IsNullOrWhiteSpace(value))
            {
                return TimeSpan.FromSeconds(fallback);
            }

            if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max)
            {
                return TimeSpan.FromSeconds(result);
            }

            Fail(string.Create(CultureInfo.InvariantCulture, $"invalid {key} '{value}': expected seconds from {min} to {max}"));
            return TimeSpan.FromSeconds(fallback);
        }

        /// <summary>
        /// The first line of the file named by <paramref name="key"/> ("" when none is named), for secrets that should
        /// not be on a command line, which every local user can read (<c>ps</c>); mounted secrets end in a newline.
        /// </summary>
        public string SecretFile(string key)
        {
            var path = Text(key, "");
            if (path.Length == 0)
            {
                return "";
            }

            string content;
            try
            {
                content = File.ReadAllText(path);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                Fail($"cannot read {key} '{path}': {exception.Message}");
                return "";
            }

            // Never echo the content: it is a secret.
            var lineEnd = content.AsSpan().IndexOfAny('\r', '\n');
            var secret = (lineEnd < 0 ? content : content[..lineEnd]).Trim();
            if (secret.Length == 0)
            {
                Fail($"invalid {key} '{path}': its first line is empty");
            }

            return secret;
        }

        /// <summary>The pepper, base64, from <paramref name="key"/> or from the file named by <paramref name="fileKey"/> (not both).</summary>
        public byte[] Pepper(string key, string fileKey) => PepperSetting(key, fileKey, allowNone: false) ?? [];

        /// <summary>
        /// The previous pepper of a rotation, as <see cref="Pepper"/>, or <c>none</c> for "there was none" (empty);
        /// null when not given.
        /// </summary>
        public byte[]? PreviousPepper(string key, string fileKey) => PepperSetting(key, fileKey, allowNone: true);

        private byte[]? PepperSetting(string key, string fileKey, bool allowNone)
        {
            var value = configuration[key];
            var fromFile = SecretFile(fileKey);
            if (fromFile.Length > 0)
            {
                if (!string.IsNullOrWhiteSpace(value))
                {
                    Fail($"{key} and {fileKey} both give the pepper: keep one");
                    return null;
                }

                value = fromFile;
                key = fileKey;
            }

            if (string.IsNullOrWhiteSpace(value))
            {
                return null;
            }

            if (allowNone && value.Trim().Equals("none", StringComparison.OrdinalIgnoreCase))
            {
                return [];
            }

            // Never echo the value: it is a secret.
            var buffer = new byte[value.Length];
            if (Convert.TryFromBase64String(value.Trim(), buffer, out var length) && length >= 16)
            {
                return buffer[..length];
            }

            Fail(allowNone ? $"invalid {key}: expected base64 of at least 16 bytes, or none" : $"invalid {key}: expected base64 of at least 16 bytes");
            return null;
        }

        private void Fail(string message) => Error ??= message;
    }
}

/// <summary>How console log entries are written.</summary>
public enum LogFormat
{
    /// <summary>One line per entry: time, level, category, message.</summary>
    Plain,

    /// <summary>One JSON object per line (<c>Timestamp</c>, <c>LogLevel</c>, <c>Category</c>, <c>Message</c>, <c>State</c>).</summary>
    Json,
}
