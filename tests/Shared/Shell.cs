using System.Diagnostics;
using System.Text;

namespace Ots.Testing;

/// <summary>
/// Runs a short command (kill, a script) and returns its exit code and output; bounded in time (the command and its
/// children are killed and <see cref="TimeoutException"/> thrown after 90 s, or the timeout given).
/// </summary>
internal static class Shell
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    public static Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments) =>
        RunAsync(fileName, environment: [], arguments);

    /// <summary>As <see cref="RunAsync(string, string[])"/>, with more environment variables for the command.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyCollection<KeyValuePair<string, string>> environment, params string[] arguments) =>
        RunAsync(fileName, environment, s_timeout, arguments);

    /// <summary>As <see cref="RunAsync(string, IReadOnlyCollection{KeyValuePair{string, string}}, string[])"/>, with its own time bound.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName, IReadOnlyCollection<KeyValuePair<string, string>> environment, TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, line) => Append(output, line.Data);
        process.ErrorDataReceived += (_, line) => Append(output, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(fileName + " did not finish within " + timeout + ": " + output);
        }

        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }
}

/// <summary>Paths in the repository the tests run from.</summary>
internal static class Repository
{
    /// <summary>The repository root: the first parent of the test assembly's directory holding <c>scripts/garnet.sh</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string GarnetScript => Path.Combine(Root, "scripts", "garnet.sh");

    public static string GarnetClusterScript => Path.Combine(Root, "scripts", "garnet-cluster.sh");

    /// <summary>The compose files' Garnet entrypoint (<c>deploy/garnet-entrypoint.sh</c>), which the two scripts above run too.</summary>
    public static string GarnetEntrypoint => Path.Combine(Root, "deploy", "garnet-entrypoint.sh");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "scripts", "garnet.sh")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("scripts/garnet.sh not found above " + AppContext.BaseDirectory);
    }
}
