using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ots.LoadTests.Report;

/// <summary>The machine-readable report: per scenario and server the measurements, and the ratios.</summary>
internal static class Summary
{
    public static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public static JsonObject Build(Results results)
    {
        var scenarios = new JsonArray();
        foreach (var (name, description) in Results.Scenarios)
        {
            var runs = new JsonArray();
            foreach (var run in results.Runs.Where(r => r.Scenario == name))
            {
                runs.Add(new JsonObject
                {
                    ["server"] = run.Server,
                    ["label"] = run.Label,
                    ["requests"] = run.Requests,
                    ["rps"] = Round(run.Rps, 0),
                    ["rps_per_rep"] = new JsonArray(run.RpsPerRep.Select(r => (JsonNode?)Round(r, 0)).ToArray()),
                    ["p50_ms"] = Round(run.P50Ms, 3),
                    ["p90_ms"] = Round(run.P90Ms, 3),
                    ["p99_ms"] = Round(run.P99Ms, 3),
                    ["max_ms"] = Round(run.MaxMs, 3),
                    ["unexpected"] = run.Unexpected,
                    ["socket_errors"] = run.SocketErrors,
                    ["statuses"] = run.StatusText,
                    ["rss_peak_mib"] = Round(run.RssPeakMib, 1),
                    ["server_cpu_us_per_request"] = Round(run.ServerCpuUsPerRequest, 1),
                    ["garnet_cpu_us_per_request"] = Round(run.GarnetCpuUsPerRequest, 1),
                    ["note"] = run.Note,
                });
            }

            if (runs.Count == 0)
            {
                continue;
            }

            var ratios = new JsonObject();
            foreach (var ratio in Ratios.For(results, name))
            {
                ratios[ratio.Name] = Round(ratio.Value, 2);
            }

            foreach (var (id, _) in results.Servers.Where(s => s.Id != "edge"))
            {
                var perRep = Ratios.PerRep(results, name, id);
                if (perRep.Length > 0)
                {
                    ratios["edge/" + id + " rps per rep"] = new JsonArray(perRep.Select(r => (JsonNode?)Round(r, 2)).ToArray());
                }
            }

            scenarios.Add(new JsonObject
            {
                ["scenario"] = name,
                ["description"] = description,
                ["store_ceiling_rps"] = Round(results.StoreCeiling(name), 0),
                ["runs"] = runs,
                ["ratios"] = ratios,
            });
        }

        var store = new JsonArray();
        foreach (var command in results.Store)
        {
            store.Add(new JsonObject
            {
                ["command"] = command.Command,
                ["shape"] = command.Shape,
                ["rps"] = Round(command.Rps, 0),
                ["p50_ms"] = command.P50Ms,
                ["p99_ms"] = command.P99Ms,
            });
        }

        var servers = new JsonArray();
        foreach (var (id, label) in results.Servers)
        {
            servers.Add(new JsonObject { ["id"] = id, ["label"] = label });
        }

        var meta = results.Meta.DeepClone().AsObject();
        meta.Remove("kind");
        return new JsonObject
        {
            ["meta"] = meta,
            ["servers"] = servers,
            ["scenarios"] = scenarios,
            ["store"] = store,
        };
    }

    // NaN and infinities are not JSON: null.
    private static JsonValue? Round(double value, int digits) =>
        double.IsFinite(value) ? JsonValue.Create(Math.Round(value, digits)) : null;
}

/// <summary>The ratios reported per scenario, all "edge / other": above 1 the edge serves more requests/s; for p99, below 1 it answers faster.</summary>
internal static class Ratios
{
    public static IEnumerable<(string Name, double Value)> For(Results results, string scenario)
    {
        var edge = results.Find(scenario, "edge");
        if (edge is null)
        {
            yield break;
        }

        foreach (var (id, _) in results.Servers.Where(s => s.Id != "edge"))
        {
            var other = results.Find(scenario, id);
            if (other is not null)
            {
                yield return ("edge/" + id + " rps", edge.Rps / other.Rps);
                yield return ("edge/" + id + " p99", edge.P99Ms / other.P99Ms);
            }
        }

        var floor = results.Find("floor", "edge");
        if (floor is not null && scenario != "floor")
        {
            yield return ("edge/floor rps", edge.Rps / floor.Rps);
        }

        var ceiling = results.StoreCeiling(scenario);
        if (double.IsFinite(ceiling))
        {
            yield return ("edge/store ceiling rps", edge.Rps / ceiling);
        }
    }

    /// <summary>
    /// The edge's requests/s over <paramref name="other"/>'s, repetition by repetition: run.sh runs every server
    /// once per repetition, in alternating order (ABC, CBA, ...), so each pair was measured seconds apart, under much
    /// the same load from the rest of the machine. Their spread shows how much of a ratio is noise. Empty when
    /// there is a single repetition.
    /// </summary>
    public static double[] PerRep(Results results, string scenario, string other)
    {
        var edge = results.Find(scenario, "edge");
        var run = results.Find(scenario, other);
        if (edge is null || run is null || edge.RpsPerRep.Length < 2 || edge.RpsPerRep.Length != run.RpsPerRep.Length)
        {
            return [];
        }

        return edge.RpsPerRep.Zip(run.RpsPerRep, (e, o) => e / o).ToArray();
    }
}
