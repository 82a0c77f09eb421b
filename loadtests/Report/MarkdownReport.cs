using System.Globalization;
using System.Text;

namespace Ots.LoadTests.Report;

/// <summary>The human report: setup, one table of measurements, one of ratios, the store's ceiling, the chart.</summary>
internal static class MarkdownReport
{
    private static readonly CultureInfo s_invariant = CultureInfo.InvariantCulture;

    public static string Build(Results results, string chartFile)
    {
        var meta = results.Meta;
        var text = new StringBuilder();
        var quick = (bool?)meta["quick"] == true;
        text.Append(s_invariant, $"# Ots load test: {(quick ? "quick (smoke) run, not for comparison" : "full run")}\n\n");
        text.Append(s_invariant, $"`loadtests/run.sh{(quick ? " --quick" : "")}` on {meta["started_at"]}, commit `{meta["commit"]}`");
        if ((bool?)meta["dirty"] == true)
        {
            text.Append(" (with uncommitted changes under src/)");
        }

        if ((bool?)meta["reused_binaries"] == true)
        {
            text.Append(" (servers published by an earlier run, `--reuse`)");
        }

        text.Append(s_invariant, $". {meta["cores"]} cores, shared by wrk, the server under test and Garnet; ");
        text.Append(s_invariant, $"load average {meta["load_before"]} before, {meta["load_after"]} after (other work on the machine shows here). ");
        var reps = (int?)meta["reps"] ?? 1;
        text.Append(s_invariant, $"wrk -t{meta["wrk_threads"]} -c{meta["connections"]}, per scenario and server {meta["warmup_s"]} s warm-up then {reps} x {meta["measure_s"]} s measured, ");
        text.Append(reps > 1 ? "the servers in turn, every other repetition in reverse order (ABC, CBA, ...)" : "the servers in turn");
        text.Append(", all on 127.0.0.1 against one Garnet, emptied (FLUSHALL) before each scenario but reveal-only, which reveals the keys of the generate runs. ");
        if (reps > 1)
        {
            text.Append("req/s is over all repetitions (each in brackets), latencies are their mean, max and RSS the worst.");
        }

        text.Append(" CPU µs/req: CPU time (user + system) the server process, and Garnet, used per request answered.");
        text.Append("\n\n| scenario | server | req/s | p50 ms | p90 ms | p99 ms | max ms | unexpected | peak RSS MiB | CPU µs/req server | CPU µs/req Garnet |\n");
        text.Append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var (scenario, _) in Results.Scenarios)
        {
            foreach (var run in results.Runs.Where(r => r.Scenario == scenario))
            {
                var unexpected = run.Unexpected + run.SocketErrors;
                text.Append(s_invariant,
                    $"| {scenario} | {run.Label} | {run.Rps:N0}{PerRep(run)} | {run.P50Ms:F2} | {run.P90Ms:F2} | {run.P99Ms:F2} | {run.MaxMs:F1} | {(unexpected == 0 ? "0" : "**" + unexpected + "**")} | {run.RssPeakMib:F0} | {run.ServerCpuUsPerRequest:F0} | {run.GarnetCpuUsPerRequest:F0} |\n");
            }
        }

        text.Append("\nRatios, edge / other (req/s: above 1 the edge serves more; p99: below 1 the edge answers sooner). ");
        text.Append("In brackets, the lowest and highest of the repetitions' own ratios (each repetition runs every server once, seconds apart): how far the noise of this machine moves a ratio. ");
        text.Append("edge/floor: the share of the edge's own HTTP ceiling a scenario reaches; edge/store: the share of what the store alone sustains for the commands of that scenario.\n\n");
        var others = results.Servers.Where(s => s.Id != "edge").ToList();
        text.Append("| scenario |");
        foreach (var (_, label) in others)
        {
            text.Append(s_invariant, $" req/s edge/{label} | p99 edge/{label} |");
        }

        text.Append(" edge/floor | edge/store |\n|---|");
        text.Append(string.Concat(Enumerable.Repeat("---:|---:|", others.Count)));
        text.Append("---:|---:|\n");
        foreach (var (scenario, _) in Results.Scenarios)
        {
            if (results.Find(scenario, "edge") is null)
            {
                continue;
            }

            var ratios = Ratios.For(results, scenario).ToDictionary(r => r.Name, r => r.Value);
            text.Append(s_invariant, $"| {scenario} |");
            foreach (var (id, _) in others)
            {
                text.Append(s_invariant, $" {Format(ratios, "edge/" + id + " rps")}{Spread(Ratios.PerRep(results, scenario, id))} | {Format(ratios, "edge/" + id + " p99")} |");
            }

            text.Append(s_invariant, $" {Format(ratios, "edge/floor rps")} | {Format(ratios, "edge/store ceiling rps")} |\n");
        }

        text.Append("\nScenarios:\n\n");
        foreach (var (scenario, description) in Results.Scenarios)
        {
            text.Append(s_invariant, $"- **{scenario}**: {description}\n");
        }

        text.Append(s_invariant, $"\n## The store's ceiling\n\nredis-benchmark against the same Garnet with {meta["connections"]} commands in flight, one command type at a time, random keys ");
        text.Append("(the claim, GET and DEL on a key space filled first, so they hit). A generate costs `set-guard` + `set-record` (pipelined by the edge); ");
        text.Append("a reveal costs `claim` (`SET record \"\" XX GET KEEPTTL`) + `get-guard`, then `del-both` (fire-and-forget). ");
        text.Append(s_invariant, $"Each command in two shapes: over {meta["connections"]} connections, one command each (`-c {meta["connections"]} -P 1`), and over one connection with {meta["connections"]} pipelined (`-c 1 -P {meta["connections"]}`), which is how both servers' StackExchange.Redis multiplexer talks to the store. ");
        text.Append("The ceiling of a scenario is its commands' costs (the better shape of each) added up: what the store sustains if it did nothing else.\n\n");
        text.Append("| command | shape | commands/s | p50 ms | p99 ms |\n|---|---|---:|---:|---:|\n");
        foreach (var command in results.Store)
        {
            text.Append(s_invariant, $"| {command.Command} | {command.Shape} | {command.Rps:N0} | {command.P50Ms:F3} | {command.P99Ms:F3} |\n");
        }

        text.Append("\n| scenario | store ceiling req/s |\n|---|---:|\n");
        foreach (var (scenario, _) in Results.Scenarios.Skip(1))
        {
            var ceiling = results.StoreCeiling(scenario);
            text.Append(s_invariant, $"| {scenario} | {(double.IsFinite(ceiling) ? ceiling.ToString("N0", s_invariant) : "-")} |\n");
        }

        text.Append(s_invariant, $"\nGarnet: `{meta["garnet_flags"]}`, data directory on {meta["garnet_data"]}. ");
        text.Append(s_invariant, $"Edge binary {Mib(meta["edge_binary_bytes"])} MiB");
        if ((long?)meta["twin_aot_binary_bytes"] is > 0)
        {
            text.Append(s_invariant, $", AOT twin binary {Mib(meta["twin_aot_binary_bytes"])} MiB");
        }

        text.Append((string?)meta["peak_rss"] == "lifetime"
            ? ". Peak RSS: the kernel's high-water mark (VmHWM) since the server started (resetting it per run was not allowed here).\n"
            : ". Peak RSS: the kernel's high-water mark (VmHWM), reset before each measured run (`/proc/PID/clear_refs`), so nothing samples during one.\n");

        var notes = results.Runs.Where(r => r.Note.Length > 0 || r.Unexpected != 0 || r.SocketErrors != 0).ToList();
        text.Append("\nStatuses per run: ");
        text.Append(string.Join("; ", results.Runs.Where(r => r.Statuses.Count > 0).Select(r => r.Scenario + " " + r.Label + " " + r.StatusText)));
        text.Append(".\n");
        if (notes.Count > 0)
        {
            text.Append("\nNotes:\n\n");
            foreach (var run in notes)
            {
                text.Append(s_invariant, $"- {run.Scenario} on {run.Label}: {run.Note} (unexpected {run.Unexpected}, socket errors {run.SocketErrors}, statuses {run.StatusText})\n");
            }
        }

        text.Append(s_invariant, $"\n![requests/s and p99 latency per scenario and server]({chartFile})\n");
        return text.ToString();
    }

    private static string PerRep(Run run) =>
        run.RpsPerRep.Length > 1 ? " (" + string.Join(", ", run.RpsPerRep.Select(r => r.ToString("N0", s_invariant))) + ")" : "";

    private static string Spread(double[] perRep) =>
        perRep.Length > 1 ? string.Create(s_invariant, $" ({perRep.Min():F2}-{perRep.Max():F2})") : "";

    private static string Format(Dictionary<string, double> ratios, string name) =>
        ratios.TryGetValue(name, out var value) && double.IsFinite(value) ? value.ToString("F2", s_invariant) : "-";

    private static string Mib(System.Text.Json.Nodes.JsonNode? bytes) =>
        ((long?)bytes / 1024.0 / 1024.0 ?? 0).ToString("F1", s_invariant);
}
