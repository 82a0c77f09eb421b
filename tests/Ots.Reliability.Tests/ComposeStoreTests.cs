using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Ots.Reliability.Tests.Infrastructure;
using Ots.Testing;

namespace Ots.Reliability.Tests;

/// <summary>
/// docker-compose.yml's store is password-protected, and what the file says about it works: Garnet started with its
/// flags and its entrypoint (scripts/garnet.sh, which every test here uses) answers nothing without <c>AUTH</c>, has
/// the password on no command line, the container health check passes with the password only, and the edge's
/// <c>OTS_STORE</c> line connects. The lines are read from the file (<see cref="ComposeFile"/>), so an edit there that
/// breaks them fails here.
/// </summary>
[Collection(SharedGarnet.Name)]
public sealed class ComposeStoreTests(GarnetFixture fixture)
{
    [Fact]
    public async Task The_store_answers_no_command_without_the_password()
    {
        Assert.StartsWith("-NOAUTH", await RawCommandAsync("PING\r\n"));
        Assert.StartsWith("-NOAUTH", await RawCommandAsync("*2\r\n$4\r\nKEYS\r\n$1\r\n*\r\n"));
        Assert.DoesNotContain("+OK", await RawCommandAsync(Auth("not-the-password")));
        Assert.StartsWith("+OK", await RawCommandAsync(Auth(fixture.Garnet.Password)));
    }

    [Fact]
    public void Compose_starts_Garnet_through_the_entrypoint_the_tests_run_with_no_password_in_its_flags()
    {
        Assert.Equal(["bash", "/ots/garnet-entrypoint.sh"], Compose.Entrypoint("garnet"));
        Assert.Contains("./deploy/garnet-entrypoint.sh:/ots/garnet-entrypoint.sh:ro", Compose.Volumes("garnet"));

        var command = string.Join(' ', Compose.Command("garnet"));
        Assert.Contains(" --auth Password", command, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Garnet.Password, command, StringComparison.Ordinal);
        Assert.Equal(fixture.Garnet.Password, Compose.Environment("garnet", "GARNET_PASSWORD"));
    }

    [Fact]
    public void The_running_store_has_its_password_on_no_command_line_and_in_no_environment()
    {
        // Any user of the host reads command lines (ps). The launcher and the server it starts are both checked.
        var members = ProcessGroup.Members(fixture.Garnet.ProcessGroup);
        Assert.True(members.Count >= 2, "expected the launcher and the server, found " + members.Count);
        foreach (var pid in members)
        {
            var commandLine = ProcessGroup.CommandLine(pid);
            Assert.Contains("--config-import-path", commandLine, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Garnet.Password, commandLine, StringComparison.Ordinal);
            Assert.DoesNotContain(fixture.Garnet.Password, ProcessGroup.Environment(pid), StringComparison.Ordinal);
        }

        // Where it is instead: a file only its owner reads.
        var file = Path.Combine(fixture.Garnet.DataDirectory, "garnet-auth.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Contains(fixture.Garnet.Password, File.ReadAllText(file), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_compose_health_check_passes_with_the_password_and_fails_without()
    {
        // The script as the container runs it (GARNET_PASSWORD in its environment), against this Garnet's port.
        var script = Compose.HealthCheckScript("garnet").Replace("/6379", "/" + fixture.Garnet.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Garnet.Password, script, StringComparison.Ordinal); // not in `docker inspect`'s view of it

        Assert.Equal(0, (await Shell.RunAsync("bash", [new("GARNET_PASSWORD", fixture.Garnet.Password)], "-c", script)).ExitCode);
        Assert.NotEqual(0, (await Shell.RunAsync("bash", [new("GARNET_PASSWORD", "not-the-password")], "-c", script)).ExitCode);
        Assert.NotEqual(0, (await Shell.RunAsync("bash", [new("GARNET_PASSWORD", "")], "-c", script)).ExitCode);
    }

    [Fact]
    public async Task The_compose_store_setting_of_the_edge_connects_with_the_password()
    {
        // garnet:6379,password=${GARNET_PASSWORD:?…} as compose hands it to the edge, with this Garnet's address.
        var store = Compose.Environment("edge", "OTS_STORE")
            .Replace("garnet:6379", "127.0.0.1:" + fixture.Garnet.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal(fixture.Garnet.ConnectionString, store);

        await using var edge = await EdgeProcess.StartAsync(store);
        using var client = edge.CreateClient();
        Assert.True(await Probe.CanGenerateAsync(client), "the edge could not store a secret: " + edge.Diagnostics);
    }

    /// <summary>docker-compose.yml as compose hands it over with this Garnet's password in <c>.env</c>.</summary>
    private ComposeFile Compose => ComposeFile.Load("docker-compose.yml", fixture.Garnet.Password);

    private static string Auth(string password) =>
        string.Create(CultureInfo.InvariantCulture, $"*2\r\n$4\r\nAUTH\r\n${password.Length}\r\n{password}\r\n");

    /// <summary>Sends one command on a fresh connection and returns the first reply line.</summary>
    private async Task<string> RawCommandAsync(string command)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync("127.0.0.1", fixture.Garnet.Port, timeout.Token);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(command), timeout.Token);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }
}
