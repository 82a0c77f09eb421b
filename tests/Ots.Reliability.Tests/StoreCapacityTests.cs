using System.Globalization;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// docker-compose.yml's Garnet keeps secrets its memory has no room for. <c>--memory</c> bounds Garnet's in-memory log;
/// without <c>--storage-tier</c>, Garnet 2.2.8 silently drops the oldest records once that log is full, so a live
/// secret would answer 404 long before its TTL. With it (and <c>--logdir</c>), older records spill to disk and stay
/// readable, through a crash and restart too. The test shrinks the log to 16 MiB (<c>--memory 16m --page 1m</c>
/// after the compose flags: the later flag wins) so that ~38 MiB of secrets overflow it in seconds.
/// </summary>
public sealed class StoreCapacityTests(ITestOutputHelper output)
{
    private const int Fillers = 400;
    private static readonly string s_filler = new('x', 96 * 1024);

    [Fact]
    public async Task The_oldest_secrets_outlive_a_store_log_that_outgrew_its_memory_and_a_crash()
    {
        await using var garnet = await GarnetProcess.StartAsync(extraFlags: "--memory 16m --page 1m");
        await using var edge = await EdgeProcess.StartAsync(garnet.ConnectionString, ["--store-timeout-seconds", "5"]);
        using var client = edge.CreateClient(maxConnections: 8);

        var first = await client.GenerateAsync("the oldest secret", "phrase one");
        var second = await client.GenerateAsync("the second oldest secret", "phrase two");
        await Parallel.ForAsync(0, Fillers, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await client.GenerateAsync(s_filler, "filler " + i.ToString(CultureInfo.InvariantCulture)));

        await client.AssertRevealsAsync(first, "phrase one", "the oldest secret");
        Assert.Equal(404, (await client.RevealAsync(first, "phrase one")).Code);

        // Not vacuous: the records did leave memory. Garnet's log on disk (Store/hlog.N under --logdir) holds more than
        // the 16 MiB its in-memory log can.
        var spilled = Directory.GetFiles(garnet.DataDirectory, "hlog*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        output.WriteLine($"{Fillers} secrets of {s_filler.Length / 1024} KiB stored; log on disk: {spilled / (1024 * 1024)} MiB");
        Assert.True(spilled > 16L * 1024 * 1024, $"only {spilled} bytes of the log are on disk: the secrets fitted in Garnet's memory");

        // A crash: the restarted Garnet replays its AOF, and the spilled secret is still there, exactly once.
        await garnet.KillAsync();
        await garnet.RestartAsync();
        Assert.True(await Probe.WaitUntilAsync(() => Probe.CanGenerateAsync(client), TimeSpan.FromSeconds(30)) is not null,
            "the edge did not recover: " + edge.Diagnostics);

        await client.AssertRevealsAsync(second, "phrase two", "the second oldest secret");
        Assert.Equal(404, (await client.RevealAsync(second, "phrase two")).Code);
        Assert.Equal(404, (await client.RevealAsync(first, "phrase one")).Code);
    }
}
