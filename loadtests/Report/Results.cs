using System.Text.Json.Nodes;

namespace Ots.LoadTests.Report;

/// <summary>
/// A scenario against a server: one wrk run, or its repetitions merged (requests/s over their total time, the mean
/// of their percentiles, the worst max and peak RSS, everything unexpected added up).
/// </summary>
internal sealed record Run(
    string Server,
    string Label,
    string Scenario,
    double Rps,
    long Requests,
    double DurationS,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    long Unexpected,
    long SocketErrors,
    SortedDictionary<string, long> Statuses,
    string Note,
    double RssPeakMib,
    double[] RpsPerRep,
    double ServerCpuS,
    double GarnetCpuS)
{
    /// <summary>CPU time the server process used per request answered, in microseconds.</summary>
    public double ServerCpuUsPerRequest => Requests > 0 ? ServerCpuS * 1e6 / Requests : double.NaN;

    /// <summary>CPU time Garnet used per request answered, in microseconds.</summary>
    public double GarnetCpuUsPerRequest => Requests > 0 ? GarnetCpuS * 1e6 / Requests : double.NaN;

    public string StatusText => string.Join(" ", Statuses.Select(s => s.Key + ":" + s.Value));

    public static Run Merge(IReadOnlyList<Run> reps)
    {
        var first = reps[0];
        if (reps.Count == 1)
        {
            return first;
        }

        var statuses = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (status, count) in reps.SelectMany(r => r.Statuses))
        {
            statuses[status] = statuses.GetValueOrDefault(status) + count;
        }

        var requests = reps.Sum(r => r.Requests);
        var duration = reps.Sum(r => r.DurationS);
        return first with
        {
            Rps = duration > 0 ? requests / duration : 0,
            Requests = requests,
            DurationS = duration,
            P50Ms = reps.Average(r => r.P50Ms),
            P90Ms = reps.Average(r => r.P90Ms),
            P99Ms = reps.Average(r => r.P99Ms),
            MaxMs = reps.Max(r => r.MaxMs),
            Unexpected = reps.Sum(r => r.Unexpected),
            SocketErrors = reps.Sum(r => r.SocketErrors),
            Statuses = statuses,
            Note = string.Join("; ", reps.Select(r => r.Note).Where(n => n.Length > 0).Distinct()),
            RssPeakMib = reps.Max(r => r.RssPeakMib),
            RpsPerRep = reps.SelectMany(r => r.RpsPerRep).ToArray(),
            ServerCpuS = reps.Sum(r => r.ServerCpuS),
            GarnetCpuS = reps.Sum(r => r.GarnetCpuS),
        };
    }
}

/// <summary>One store command measured with redis-benchmark.</summary>
internal sealed record StoreCommand(string Command, string Shape, double Rps, double P50Ms, double P99Ms);

/// <summary>Everything run.sh recorded, read from its raw file (one JSON object per line).</summary>
internal sealed class Results
{
    /// <summary>The scenarios in the order they are reported, with what each measures.</summary>
    public static readonly (string Name, string Description)[] Scenarios =
    [
        ("floor", "GET /healthz: the HTTP front alone, no store, no crypto"),
        ("generate", "POST /generate, a 46-byte secret, 1 h TTL"),
        ("reveal-only", "POST /secrets/{key}, right phrase, each key of the generate run once"),
        ("reveal", "generate, then reveal that key once: half each (latency of the mix)"),
        ("mixed", "1:1 generate/reveal, 20 B-4 KiB secrets, 5 % wrong phrases, 5 % re-opened links"),
    ];

    public List<Run> Runs { get; } = [];

    public List<StoreCommand> Store { get; } = [];

    public JsonObject Meta { get; private set; } = [];

    /// <summary>Server ids in the order they were run, with their labels.</summary>
    public List<(string Id, string Label)> Servers { get; } = [];

    public static Results Load(string path)
    {
        var results = new Results();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var node = JsonNode.Parse(line)!.AsObject();
            switch ((string?)node["kind"])
            {
                case "meta":
                    results.Meta = node;
                    break;
                case "store":
                    results.Store.Add(new StoreCommand(
                        (string)node["command"]!, (string?)node["shape"] ?? "connections", Number(node["rps"]), Number(node["p50_ms"]), Number(node["p99_ms"])));
                    break;
                case "wrk":
                    results.AddRun(node);
                    break;
            }
        }

        var merged = results.Runs
            .GroupBy(r => (r.Scenario, r.Server))
            .Select(g => Run.Merge(g.ToList()))
            .ToList();
        results.Runs.Clear();
        results.Runs.AddRange(merged);
        return results;
    }

    private void AddRun(JsonObject node)
    {
        var server = (string)node["server"]!;
        var label = (string?)node["label"] ?? server;
        if (!Servers.Exists(s => s.Id == server))
        {
            Servers.Add((server, label));
        }

        var result = node["result"]?.AsObject() ?? [];
        var latency = result["latency_us"]?.AsObject() ?? [];
        var errors = result["errors"]?.AsObject() ?? [];
        var statuses = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (status, count) in result["statuses"]?.AsObject() ?? [])
        {
            statuses[status] = (long)Number(count);
        }

        Runs.Add(new Run(
            server,
            label,
            (string?)node["scenario"] ?? "?",
            Number(result["rps"]),
            (long)Number(result["requests"]),
            Number(result["duration_s"]),
            Number(latency["p50"]) / 1000,
            Number(latency["p90"]) / 1000,
            Number(latency["p99"]) / 1000,
            Number(latency["max"]) / 1000,
            (long)Number(result["unexpected"]),
            (long)(Number(errors["connect"]) + Number(errors["read"]) + Number(errors["write"]) + Number(errors["timeout"])),
            statuses,
            (string?)result["note"] ?? "",
            Number(node["rss_peak_kib"]) / 1024,
            [Number(result["rps"])],
            Number(node["server_cpu_s"]),
            Number(node["garnet_cpu_s"])));
    }

    public Run? Find(string scenario, string server) =>
        Runs.Find(r => r.Scenario == scenario && r.Server == server);

    /// <summary>
    /// The store's ceiling for a scenario in requests/s: the commands one request costs, each at the rate
    /// redis-benchmark measured for it alone at the same concurrency (the better of its two shapes), run one after
    /// the other. NaN when unknown.
    /// </summary>
    public double StoreCeiling(string scenario)
    {
        double Cost(params string[] commands)
        {
            var seconds = 0.0;
            foreach (var command in commands)
            {
                var best = Store.Where(s => s.Command == command).Select(s => s.Rps).DefaultIfEmpty(0).Max();
                if (best <= 0)
                {
                    return double.NaN;
                }

                seconds += 1 / best;
            }

            return seconds;
        }

        var generate = Cost("set-guard", "set-record");
        var reveal = Cost("claim", "get-guard", "del-both");
        return scenario switch
        {
            "generate" => 1 / generate,
            "reveal-only" => 1 / reveal,
            "reveal" or "mixed" => 2 / (generate + reveal),
            _ => double.NaN,
        };
    }

    private static double Number(JsonNode? node)
    {
        if (node is null)
        {
            return 0;
        }

        return node.GetValueKind() == System.Text.Json.JsonValueKind.Number ? node.GetValue<double>() : 0;
    }
}
