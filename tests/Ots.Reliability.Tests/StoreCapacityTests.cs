using System.Diagnostics;
using System.Globalization;
using Ots.Edge.Tests.Infrastructure;
using Ots.Reliability.Tests.Infrastructure;
using Ots.Testing;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// docker-compose.yml's Garnet keeps secrets its memory has no room for. <c>--memory</c> bounds Garnet's in-memory log;
/// without <c>--storage-tier</c>, Garnet 2.2.8 silently drops the oldest records once that log is full, so a live
/// secret would answer 404 long before its TTL. With it (and <c>--logdir</c>), older records spill to disk and stay
/// readable, through a crash and restart too. The test shrinks the log to 16 MiB (<c>--memory 16m --page 1m</c>
/// after the compose flags: the later flag wins) so that ~38 MiB of secrets overflow it in seconds.
/// </summary>
/// <remarks>
/// And the log on disk stays bounded as secrets expire. Garnet 2.2.8's compaction (<c>--compaction-type Lookup</c>)
/// copies an expired record forward like a live one; only the expired-key scan deletes it, and the scan covers the
/// mutable, in-memory end of the log, which is where compaction puts those copies. Without the scan
/// (<c>--expired-key-deletion-scan-freq 0</c>) every expired secret stays on disk for good, carried from segment to
/// segment: checked by hand, six waves of 28 MiB of expired secrets left 39, 102, 86, 186, 146, 178 MiB of log,
/// against 27-41 MiB with the scan.
/// </remarks>
public sealed class StoreCapacityTests(ITestOutputHelper output)
{
    private const int Fillers = 400;
    private static readonly string s_filler = new('x', 96 * 1024);
    private static readonly string[] s_periodicFlags = ["--checkpoint-freq", "--compaction-freq", "--expired-key-deletion-scan-freq"];

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
        var spilled = LogOnDisk(garnet);
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

    [Fact]
    public async Task Expired_secrets_leave_the_store_log_on_disk()
    {
        // Compose's flags, its periodic tasks sped up from minutes to every second (one that is off, 0 or -1, stays off,
        // so this fails if compose turns the scan off), and a 16 MiB log in memory with 4 MiB segments, compacted
        // beyond four.
        var composeFlags = ComposeFile.Flags(Compose.Command("garnet"));
        var periodic = string.Concat(s_periodicFlags.Select(flag => $" {flag} {EverySecondIfOn(composeFlags[flag])}"));
        await using var garnet = await GarnetProcess.StartAsync(extraFlags: "--memory 16m --page 1m --segment 4m --compaction-max-segments 4" + periodic);
        await using var edge = await EdgeProcess.StartAsync(garnet.ConnectionString, ["--store-timeout-seconds", "5"]);
        using var client = edge.CreateClient(maxConnections: 8);

        var kept = await client.GenerateAsync("the secret that outlives the others", "phrase");
        var expired = await client.GenerateAsync("a secret that expires", "phrase", ttlJson: """{"seconds":1}""");
        const int Waves = 5;
        const int PerWave = 250;
        for (var wave = 0; wave < Waves; wave++)
        {
            await Parallel.ForAsync(0, PerWave, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
                await client.GenerateAsync(s_filler, "filler", ttlJson: """{"seconds":1}"""));
            await Task.Delay(TimeSpan.FromSeconds(2));
        }

        // 5 × 250 × 96 KiB = 117 MiB went through the store and expired. Compaction keeps the log within four segments
        // of 4 MiB (16 MiB) plus what it has not got to yet: allow twice that (seen: 18 MiB a few seconds after the last
        // wave; 154 MiB after a minute without the scan). Compaction and the scan run every second, but a round can
        // take several on a loaded 2-core machine: wait until the log on disk is back under the bound.
        const long Bound = 2 * 4 * 4L * 1024 * 1024;
        var deadline = Stopwatch.StartNew();
        long onDisk;
        while ((onDisk = LogOnDisk(garnet)) >= Bound && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(500);
        }

        output.WriteLine(
            $"{Waves * PerWave} expired secrets of {s_filler.Length / 1024} KiB written; log on disk after {deadline.Elapsed}: {onDisk / (1024 * 1024)} MiB");
        Assert.True(onDisk < Bound, $"{onDisk / (1024 * 1024)} MiB of log still on disk after {deadline.Elapsed}: expired secrets are kept");

        Assert.Equal(404, (await client.RevealAsync(expired, "phrase")).Code);
        await client.AssertRevealsAsync(kept, "phrase", "the secret that outlives the others");
        Assert.Equal(404, (await client.RevealAsync(kept, "phrase")).Code);
    }

    private static ComposeFile Compose { get; } = ComposeFile.Load("docker-compose.yml", "unused");

    // Garnet's interval flags take seconds; 0 or -1 turns a task off.
    private static string EverySecondIfOn(string seconds) =>
        int.Parse(seconds, CultureInfo.InvariantCulture) > 0 ? "1" : seconds;

    private static long LogOnDisk(GarnetProcess garnet) =>
        Directory.GetFiles(garnet.DataDirectory, "hlog*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
}
