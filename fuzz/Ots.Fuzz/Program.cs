using Ots.Fuzz;
using SharpFuzz;

// libFuzzer target (fuzz/README.md): libfuzzer-dotnet starts this process and feeds it inputs through shared memory;
// an exception, including a broken invariant below, is reported as a crash with the input that caused it.
//   dotnet Ots.Fuzz.dll                 serve libFuzzer (OTS_FUZZ_TARGET=head|chunked|create|reveal pins one target)
//   dotnet Ots.Fuzz.dll --replay PATH…  run files (or every file of directories) once: reproduce a crash, check a corpus
if (args.Length > 0 && args[0] == "--replay")
{
    var count = 0;
    foreach (var path in args.Skip(1))
    {
        foreach (var file in Directory.Exists(path) ? Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories) : [path])
        {
            Targets.Run(File.ReadAllBytes(file));
            count++;
        }
    }

    Console.WriteLine($"replayed {count} inputs: no crash");
    return 0;
}

var pinned = Targets.Select(Environment.GetEnvironmentVariable("OTS_FUZZ_TARGET"));
Fuzzer.LibFuzzer.Run(data => pinned(data));
return 0;
