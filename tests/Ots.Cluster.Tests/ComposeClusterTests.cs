using System.Globalization;
using System.Text.RegularExpressions;
using Ots.Cluster.Tests.Infrastructure;
using Ots.Testing;

namespace Ots.Cluster.Tests;

/// <summary>
/// docker-compose.cluster.yml runs what these tests run: its nodes' entrypoint and flags are the ones
/// scripts/garnet-cluster.sh gave this cluster (the password in a file, on no command line), and its health check, its
/// one-shot cluster job and its edges' store setting work against this cluster with the password only. The lines are read from the file (<see cref="ComposeFile"/>), with
/// the compose network's addresses (172.30.0.11-13:6379) mapped to this cluster's nodes.
/// </summary>
[Collection(SharedCluster.Name)]
public sealed partial class ComposeClusterTests(ClusterFixture fixture)
{
    private GarnetCluster Cluster => fixture.Cluster;

    private ComposeFile Compose => ComposeFile.Load("docker-compose.cluster.yml", Cluster.Password);

    [ClusterFact]
    public void Every_compose_node_runs_the_flags_of_the_tested_nodes()
    {
        var nodes = Compose.Services("garnet-").Where(s => s != "garnet-cluster-init").ToArray();
        Assert.Equal(GarnetCluster.Primaries, nodes.Length);

        // What garnet-cluster.sh started (docker-compose.yml's flags through garnet.sh, plus cluster mode and auth).
        var args = File.ReadAllText(Path.Combine(NodeDirectory(Cluster.Ports[0]), "args"));
        var tested = ComposeFile.Flags(args.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(("Password", "default"), (tested["--auth"], tested["--cluster-username"]));
        Assert.DoesNotContain(Cluster.Password, args, StringComparison.Ordinal);
        foreach (var node in nodes)
        {
            // Started as the tested nodes are: through deploy/garnet-entrypoint.sh, the password from the environment.
            Assert.Equal(["bash", "/ots/garnet-entrypoint.sh"], Compose.Entrypoint(node));
            Assert.Contains("./deploy/garnet-entrypoint.sh:/ots/garnet-entrypoint.sh:ro", Compose.Volumes(node));
            Assert.Equal(Cluster.Password, Compose.Environment(node, "GARNET_PASSWORD"));

            var flags = ComposeFile.Flags(Compose.Command(node));
            Assert.Equal(("0.0.0.0", "6379", "/data", "/data"), (flags["--bind"], flags["--port"], flags["--checkpointdir"], flags["--logdir"]));
            Assert.Matches(@"^172\.30\.0\.1[1-3]$", flags["--cluster-announce-ip"]);
            string[] local = ["--bind", "--port", "--checkpointdir", "--logdir", "--cluster-announce-ip"];
            Assert.Equal(
                tested.Where(f => !local.Contains(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal),
                flags.Where(f => !local.Contains(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal));
        }
    }

    [ClusterFact]
    public void No_node_has_the_password_on_its_command_line_and_each_presents_it_to_the_others()
    {
        foreach (var port in Cluster.Ports)
        {
            var directory = NodeDirectory(port);
            var group = int.Parse(File.ReadAllText(Path.Combine(directory, "garnet.pid")).Trim(), CultureInfo.InvariantCulture);
            var members = ProcessGroup.Members(group);
            Assert.True(members.Count >= 2, $"node {port}: expected the launcher and the server, found {members.Count}");
            Assert.All(members, pid => Assert.DoesNotContain(Cluster.Password, ProcessGroup.CommandLine(pid), StringComparison.Ordinal));

            var file = Path.Combine(directory, "garnet-auth.json");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal($"{{\"Password\": \"{Cluster.Password}\", \"ClusterPassword\": \"{Cluster.Password}\"}}\n", File.ReadAllText(file));
        }
    }

    [ClusterFact]
    public async Task The_compose_node_health_check_passes_with_the_password_and_fails_without()
    {
        var script = Compose.HealthCheckScript("garnet-1").Replace("/6379", "/" + Port(Cluster.Ports[0]), StringComparison.Ordinal);
        Assert.DoesNotContain(Cluster.Password, script, StringComparison.Ordinal); // read from the container's environment

        Assert.Equal(0, (await Shell.RunAsync("bash", [new("GARNET_PASSWORD", Cluster.Password)], "-c", script)).ExitCode);
        Assert.NotEqual(0, (await Shell.RunAsync("bash", [new("GARNET_PASSWORD", "not-the-password")], "-c", script)).ExitCode);
        Assert.NotEqual(0, (await Shell.RunAsync("bash", [new("GARNET_PASSWORD", "")], "-c", script)).ExitCode);
    }

    [ClusterFact]
    public async Task The_compose_cluster_job_finds_the_cluster_formed_with_the_password_only()
    {
        // The job's script, run as its container runs it (sh -c, REDISCLI_AUTH from its environment). On a formed
        // cluster it only checks; with a wrong password its `redis-cli --cluster create` fails at AUTH, changing nothing.
        var job = "garnet-cluster-init";
        Assert.Equal(Compose.Environment("garnet-1", "GARNET_PASSWORD"), Compose.Environment(job, "REDISCLI_AUTH"));
        var script = Local(Assert.Single(Compose.Command(job)));

        var (exitCode, output) = await Shell.RunAsync("sh", [new("REDISCLI_AUTH", Cluster.Password)], "-c", script);
        Assert.True(exitCode == 0, output);
        Assert.Contains("cluster ready", output, StringComparison.Ordinal);
        Assert.NotEqual(0, (await Shell.RunAsync("sh", [new("REDISCLI_AUTH", "not-the-password")], "-c", script)).ExitCode);
    }

    [ClusterFact]
    public void Every_compose_edge_names_every_node_and_the_password()
    {
        // The fixture's edges run on exactly this configuration, so it connects.
        var edges = Compose.Services("edge-");
        Assert.Equal(3, edges.Count);
        Assert.All(edges, edge => Assert.Equal(Cluster.Configuration, Local(Compose.Environment(edge, "OTS_STORE"))));
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>garnet-cluster.sh's directory of the node on <paramref name="port"/> (args, garnet.pid, garnet-auth.json).</summary>
    private string NodeDirectory(int port) => Path.Combine(Cluster.DataDirectory, "node-" + Port(port));

    /// <summary>The compose network's node addresses (172.30.0.1N, port 6379) as this cluster's Nth node.</summary>
    private string Local(string text) =>
        ComposeNode().Replace(text, m => GarnetCluster.Host + m.Groups["sep"].Value + Port(Cluster.Ports[m.Groups["n"].Value[0] - '1']));

    [GeneratedRegex(@"172\.30\.0\.1(?<n>[1-3])(?<sep>:| -p )6379")]
    private static partial Regex ComposeNode();
}
