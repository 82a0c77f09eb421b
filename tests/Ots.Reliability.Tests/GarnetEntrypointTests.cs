using Ots.Edge.Tests.Infrastructure;
using Ots.Testing;

namespace Ots.Reliability.Tests;

/// <summary>
/// deploy/garnet-entrypoint.sh, the compose files' Garnet entrypoint, on its own: what it hands Garnet and what it
/// refuses. Every Garnet of these tests runs through it as well (scripts/garnet.sh); here the server is a stand-in
/// script that reports its arguments and environment, so the refusals can show that nothing was started.
/// </summary>
public sealed class GarnetEntrypointTests : IDisposable
{
    private const string Password = "Pw-0123456789_abc";

    private readonly TempDirectory _directory = new("ots-entrypoint-");

    private string AuthFile => Path.Combine(_directory.Path, "garnet-auth.json");

    private string StartedMarker => Path.Combine(_directory.Path, "started");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Hands_Garnet_the_password_in_a_private_file_and_keeps_it_off_the_command_line_and_environment()
    {
        var (exitCode, output) = await RunAsync(Password, "--bind", "0.0.0.0", "--auth", "Password");

        Assert.True(exitCode == 0, output);
        var lines = output.TrimEnd().Split('\n');
        Assert.Equal("args: --config-import-path " + AuthFile + " --config-import-format GarnetConf --bind 0.0.0.0 --auth Password", lines[0]);
        Assert.Equal("GARNET_PASSWORD=unset", lines[1]);
        Assert.DoesNotContain(Password, output, StringComparison.Ordinal);
        Assert.Equal("{\"Password\": \"" + Password + "\"}\n", File.ReadAllText(AuthFile));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AuthFile));
    }

    [Fact]
    public async Task A_cluster_node_also_presents_the_password_to_the_other_nodes()
    {
        var (exitCode, output) = await RunAsync(Password, "--cluster", "--auth", "Password", "--cluster-username", "default");

        Assert.True(exitCode == 0, output);
        Assert.Equal("{\"Password\": \"" + Password + "\", \"ClusterPassword\": \"" + Password + "\"}\n", File.ReadAllText(AuthFile));
    }

    [Fact]
    public async Task Replaces_the_file_of_an_earlier_start()
    {
        Assert.Equal(0, (await RunAsync("first-password", "--auth", "Password")).ExitCode);
        Assert.Equal(0, (await RunAsync(Password, "--auth", "Password")).ExitCode);

        Assert.Equal("{\"Password\": \"" + Password + "\"}\n", File.ReadAllText(AuthFile));
        Assert.False(File.Exists(AuthFile + ".new")); // written beside, then renamed over the old one
    }

    [Theory]
    [InlineData(null, "GARNET_PASSWORD is not set")]
    [InlineData("", "GARNET_PASSWORD is not set")]
    [InlineData("pass word", "letters, digits")]
    [InlineData("pass\"word", "letters, digits")]
    [InlineData("pass\\word", "letters, digits")]
    [InlineData("pass$word", "letters, digits")]
    [InlineData("pass,word", "letters, digits")]
    public async Task Refuses_a_missing_or_unsafe_password_and_starts_nothing(string? password, string message)
    {
        var (exitCode, output) = await RunAsync(password, "--auth", "Password");

        Assert.Equal(64, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.False(File.Exists(StartedMarker));
        Assert.False(File.Exists(AuthFile));
    }

    [Theory]
    [InlineData("--bind 0.0.0.0", "lack --auth Password")]
    [InlineData("--auth NoAuth", "lack --auth Password")]
    [InlineData("--auth Password --password other", "a password flag")]
    [InlineData("--auth Password --cluster --cluster-password other", "a password flag")]
    public async Task Refuses_flags_that_would_bypass_the_password_file_and_starts_nothing(string flags, string message)
    {
        var (exitCode, output) = await RunAsync(Password, flags.Split(' '));

        Assert.Equal(64, exitCode);
        Assert.Contains(message, output, StringComparison.Ordinal);
        Assert.False(File.Exists(StartedMarker));
    }

    /// <summary>Runs the entrypoint with a stand-in server that prints its arguments and whether it got the password.</summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string? password, params string[] flags)
    {
        var server = Path.Combine(_directory.Path, "server.sh");
        File.WriteAllText(server, $"""
            #!/usr/bin/env bash
            touch '{StartedMarker}'
            echo "args: $*"
            echo "GARNET_PASSWORD=${"{"}GARNET_PASSWORD-unset{"}"}"
            """);
        File.SetUnixFileMode(server, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        List<KeyValuePair<string, string>> environment = [new("GARNET_SERVER", server), new("GARNET_AUTH_FILE", AuthFile)];
        if (password is not null)
        {
            environment.Add(new("GARNET_PASSWORD", password));
        }

        // Shell.RunAsync passes the test host's environment on; a GARNET_PASSWORD there must not leak into the "unset" case.
        string[] arguments = password is null
            ? ["-u", "GARNET_PASSWORD", "bash", Repository.GarnetEntrypoint, .. flags]
            : ["bash", Repository.GarnetEntrypoint, .. flags];
        return await Shell.RunAsync("env", environment, arguments);
    }
}
