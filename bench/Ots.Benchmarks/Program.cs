using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Ots.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Ots.Benchmarks -- --filter '*'</c> (see bench/README.md).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks the command line selects.</summary>
    public static void Main(string[] args)
    {
        // BenchmarkDotNet restores and builds a generated project before measuring; on a busy 2-core machine that
        // can take longer than its 2-minute default, and the whole run then reports nothing.
        var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
    }
}
