using Ots.LoadTests.Report;

// Usage: Report RAW.jsonl OUTPUT_PREFIX   → OUTPUT_PREFIX.json, OUTPUT_PREFIX.md, OUTPUT_PREFIX.png (or .svg)
if (args.Length != 2 || !File.Exists(args[0]))
{
    await Console.Error.WriteLineAsync("usage: Report RAW.jsonl OUTPUT_PREFIX (writes OUTPUT_PREFIX.json, .md and .png)");
    return 2;
}

var results = Results.Load(args[0]);
var prefix = args[1];
var summary = Summary.Build(results);

await File.WriteAllTextAsync(prefix + ".json", summary.ToJsonString(Summary.JsonOptions) + "\n");
var chart = Chart.Write(results, prefix);
await File.WriteAllTextAsync(prefix + ".md", MarkdownReport.Build(results, Path.GetFileName(chart)));
Console.WriteLine("wrote " + prefix + ".json, " + prefix + ".md, " + chart);
return 0;
