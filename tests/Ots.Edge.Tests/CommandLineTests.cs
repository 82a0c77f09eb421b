using System.Diagnostics;
using Ots.Edge.Hosting;
using Ots.Edge.Tests.Infrastructure;

namespace Ots.Edge.Tests;

/// <summary><c>--help</c> lists every option with its default and environment variable; <c>--version</c> prints the version.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void Help_lists_every_option_with_its_default_and_environment_variable()
    {
        using var output = new StringWriter();

        EdgeHost.PrintHelp(output);

        var lines = output.ToString().Split('\n');
        foreach (var setting in OtsOptions.Settings)
        {
            var line = lines.SingleOrDefault(line => line.TrimStart().StartsWith(setting.Switch + " ", StringComparison.Ordinal));
            Assert.True(line is not null, setting.Switch + " is not in --help:\n" + output);
            Assert.Contains("(env " + setting.EnvironmentVariable + ")", line, StringComparison.Ordinal);
            Assert.Contains("[" + setting.Default + "]", line, StringComparison.Ordinal);
        }

        Assert.Contains("--urls", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("--version", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--log-format", "OTS_LOGFORMAT", "plain")]
    [InlineData("--access-log", "OTS_ACCESSLOG", "false")]
    [InlineData("--https-cert", "OTS_HTTPSCERT", "(none)")]
    [InlineData("--https-key", "OTS_HTTPSKEY", "(none)")]
    public void Help_has_the_operations_options(string option, string environment, string fallback)
    {
        var setting = Assert.Single(OtsOptions.Settings, setting => setting.Switch == option);

        Assert.Equal(environment, setting.EnvironmentVariable);
        Assert.Equal(fallback, setting.Default);
    }

    [Theory]
    [InlineData("--log-format", "xml", "invalid LogFormat 'xml': expected plain or json")]
    [InlineData("--access-log", "yes", "invalid AccessLog 'yes': expected true or false")]
    [InlineData("--https-cert", "cert.pem", "--https-cert and --https-key go together")]
    public async Task Bad_operations_options_stop_the_start_with_one_line(string option, string value, string expected)
    {
        using var error = new StringWriter();

        var edge = await EdgeHost.TryStartAsync(["--urls", "http://127.0.0.1:0", option, value], error);

        Assert.Null(edge);
        Assert.Contains(expected, error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_and_help_from_the_built_edge()
    {
        var version = await RunEdgeAsync("--version");
        var help = await RunEdgeAsync("--help");

        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^ots \d+\.\d+\.\d+", version.Output);
        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith(version.Output.Trim(), help.Output, StringComparison.Ordinal);
        foreach (var setting in OtsOptions.Settings)
        {
            Assert.Contains(setting.Switch, help.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>The AOT binary in binary mode, else <c>dotnet Ots.Edge.dll</c>.</summary>
    private static async Task<(int ExitCode, string Output)> RunEdgeAsync(string argument)
    {
        var binary = EdgeServer.Mode == EdgeMode.Binary ? Environment.GetEnvironmentVariable(EdgeServer.BinaryVariable) : null;
        var start = binary is null
            ? new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "Ots.Edge.dll"), argument])
            : new ProcessStartInfo(binary, [argument]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
