using BenchmarkDotNet.Running;

namespace Ots.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Ots.Benchmarks -- --filter '*'</c> (see bench/README.md).</summary>
public static class Program
{
    /// <summary>Runs the benchmarks the command line selects.</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
