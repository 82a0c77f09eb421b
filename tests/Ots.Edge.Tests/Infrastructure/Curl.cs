using System.Diagnostics;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>The real <c>curl</c>, run as a child process.</summary>
public static class Curl
{
    /// <summary>The curl executable on the PATH, or null.</summary>
    public static string? Path { get; } = Find();

    /// <summary>Runs curl with <paramref name="arguments"/>; returns its exit code, stdout, stderr and wall time.</summary>
    public static async Task<(int ExitCode, string Output, string Error, TimeSpan Elapsed)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path ?? "curl", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // A proxy from the environment would take the request somewhere else.
        start.Environment.Remove("http_proxy");
        start.Environment.Remove("HTTP_PROXY");
        start.Environment.Remove("all_proxy");
        start.Environment.Remove("ALL_PROXY");

        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        var elapsed = stopwatch.Elapsed;
        return (process.ExitCode, await output, await error, elapsed);
    }

    private static string? Find()
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(directory, "curl");
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
