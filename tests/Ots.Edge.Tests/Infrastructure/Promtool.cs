using System.Diagnostics;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary><c>promtool</c> (Debian package <c>prometheus</c>), to lint the exposition as Prometheus would.</summary>
public static class Promtool
{
    /// <summary>promtool on the PATH, or null.</summary>
    public static string? Path { get; } = Executables.Find("promtool");

    /// <summary>Runs <c>promtool check metrics</c> with <paramref name="exposition"/> on stdin.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition)
    {
        var start = new ProcessStartInfo(Path ?? "promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}

/// <summary>A fact that needs <c>promtool</c>; skipped, with the reason, without it.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (Promtool.Path is null)
        {
            Skip = "promtool is not on the PATH: install it (apt-get install prometheus) to lint /metrics";
        }
    }
}

/// <summary>Looks executables up on the PATH.</summary>
public static class Executables
{
    public static string? Find(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator))
        {
            var candidate = System.IO.Path.Combine(directory, name);
            if (directory.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
