using System.Diagnostics;
using Ots.Reliability.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Ots.Reliability.Tests;

/// <summary>
/// DESIGN §3 durability: a standalone Garnet with AOF and <c>--aof-commit-wait</c> (scripts/garnet.sh) is killed with
/// SIGKILL in the middle of a mixed generate/reveal load and restarted on the same data directory. Every secret that
/// got a 201 is revealable exactly once, every secret revealed before the crash stays gone, none is revealed twice.
/// </summary>
public sealed class StoreCrashTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sigkill_of_the_store_under_load_loses_no_acknowledged_secret_and_reveals_none_twice()
    {
        await using var garnet = await GarnetProcess.StartAsync();
        await using var edge = await EdgeProcess.StartAsync(garnet.ConnectionString, ["--store-timeout-seconds", "2"]);
        using var client = edge.CreateClient();
        var load = new MixedLoad(client);

        // The store is killed under load, and the load stops issuing requests the moment the signal is sent: only the
        // requests in flight then can end ambiguous, so a secret lost by the store cannot hide among them.
        var (inFlight, killedAfter) = await CrashUnderLoadAsync(load, garnet, TimeSpan.FromSeconds(3));
        var beforeCrash = (load.Generated, load.RevealedDuringLoad, load.GenerateFailed, load.RevealFailed);
        var stopwatch = Stopwatch.StartNew();
        await garnet.RestartAsync();
        var restartedAfter = stopwatch.Elapsed;

        // The edge reconnects by itself; then more load on the recovered store (reveals of secrets from before the
        // crash among it).
        var recovered = await Probe.WaitUntilAsync(() => Probe.CanGenerateAsync(client), TimeSpan.FromSeconds(30));
        Assert.True(recovered is not null, "the edge did not recover: " + edge.Diagnostics);
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2)))
        {
            await load.RunAsync(workers: 8, stop.Token);
        }

        var verification = await load.VerifyAsync(client);
        output.WriteLine($"before the crash: {beforeCrash.Generated} generated, {beforeCrash.RevealedDuringLoad} revealed; SIGKILL after " +
            $"{killedAfter.TotalSeconds:0.0} s with {inFlight} requests in flight ({beforeCrash.GenerateFailed} generates and {beforeCrash.RevealFailed} reveals " +
            $"unanswered); store back after {restartedAfter.TotalSeconds:0.0} s, edge serving {recovered!.Value.TotalSeconds:0.0} s later; {verification}");

        Assert.Equal(0, load.UnexpectedAnswers);
        Assert.Equal(0, verification.Lost);
        Assert.Equal(0, verification.LostAsIncorrectPhrase);
        Assert.Equal(0, verification.RevealedTwice);
        Assert.True(verification.AmbiguousRevealedAfter + verification.AmbiguousGone <= beforeCrash.RevealFailed);
        Assert.Equal(verification.Acknowledged, verification.RevealedDuringLoad + verification.RevealedAfter +
            verification.AmbiguousRevealedAfter + verification.AmbiguousGone);
    }

    /// <summary>Runs the workers for <paramref name="loadFor"/>, SIGKILLs Garnet and stops issuing at once; returns the requests in flight then.</summary>
    internal static async Task<(int InFlight, TimeSpan KilledAfter)> CrashUnderLoadAsync(MixedLoad load, GarnetProcess garnet, TimeSpan loadFor, int workers = 8)
    {
        using var stop = new CancellationTokenSource();
        var stopwatch = Stopwatch.StartNew();
        var running = load.RunAsync(workers, stop.Token);
        await Task.Delay(loadFor);
        var inFlight = load.InFlight;
        await garnet.KillAsync(afterSignal: stop);
        var killedAfter = stopwatch.Elapsed;
        await running;
        return (inFlight, killedAfter);
    }
}
