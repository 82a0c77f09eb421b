using System.Globalization;
using System.Text;
using ScottPlot;

namespace Ots.LoadTests.Report;

/// <summary>
/// The chart: requests/s (with the store's ceiling beside them) and p99 latency, per scenario and server, as grouped
/// bars. A PNG through ScottPlot; where its native renderer (SkiaSharp) cannot load, a hand-written SVG instead.
/// </summary>
internal static class Chart
{
    private const int Width = 1100;
    private const int PanelHeight = 420;

    // Tableau-like colours, in server order; the store ceiling is grey.
    private static readonly string[] s_palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];
    private const string StoreColor = "#9e9e9e";

    /// <summary>Writes PREFIX.png, or PREFIX.svg when ScottPlot cannot render here; returns the path written.</summary>
    public static string Write(Results results, string prefix)
    {
        var panels = Panels(results);
        try
        {
            var path = prefix + ".png";
            WritePng(panels, path);
            return path;
        }
        catch (Exception exception) when (exception is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException or BadImageFormatException)
        {
            Console.Error.WriteLine("ScottPlot cannot render on this machine (" + exception.GetType().Name + ": " + exception.Message + "); writing an SVG instead");
            var path = prefix + ".svg";
            File.WriteAllText(path, Svg(panels));
            return path;
        }
    }

    /// <summary>One bar chart: a value per scenario for each series (NaN: no bar).</summary>
    private sealed record Panel(string Title, string Unit, string[] Scenarios, List<(string Name, string Color, double[] Values)> Series);

    private static Panel[] Panels(Results results)
    {
        var scenarios = Results.Scenarios.Select(s => s.Name).Where(s => results.Runs.Exists(r => r.Scenario == s)).ToArray();
        var rps = new List<(string, string, double[])>();
        var p99 = new List<(string, string, double[])>();
        for (var i = 0; i < results.Servers.Count; i++)
        {
            var (id, label) = results.Servers[i];
            var color = s_palette[i % s_palette.Length];
            rps.Add((label, color, scenarios.Select(s => results.Find(s, id)?.Rps ?? double.NaN).ToArray()));
            p99.Add((label, color, scenarios.Select(s => results.Find(s, id)?.P99Ms ?? double.NaN).ToArray()));
        }

        if (results.Store.Count > 0)
        {
            rps.Add(("store ceiling", StoreColor, scenarios.Select(results.StoreCeiling).ToArray()));
        }

        return
        [
            new Panel("Requests per second (higher is better)", "req/s", scenarios, rps),
            new Panel("p99 latency (lower is better)", "ms", scenarios, p99),
        ];
    }

    private static void WritePng(Panel[] panels, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(panels.Length);
        for (var p = 0; p < panels.Length; p++)
        {
            Draw(multiplot.GetPlot(p), panels[p]);
        }

        multiplot.SavePng(path, Width, PanelHeight * panels.Length);
    }

    private static void Draw(Plot plot, Panel panel)
    {
        var groupWidth = 0.8;
        var barWidth = groupWidth / panel.Series.Count;
        for (var s = 0; s < panel.Series.Count; s++)
        {
            var (name, color, values) = panel.Series[s];
            var bars = new List<Bar>();
            for (var i = 0; i < values.Length; i++)
            {
                if (!double.IsFinite(values[i]))
                {
                    continue;
                }

                bars.Add(new Bar
                {
                    Position = i - (groupWidth / 2) + (barWidth * (s + 0.5)),
                    Value = values[i],
                    Size = barWidth * 0.92,
                    FillColor = Color.FromHex(color),
                    Label = Short(values[i]),
                });
            }

            var plottable = plot.Add.Bars(bars);
            plottable.LegendText = name;
            plottable.Color = Color.FromHex(color);
        }

        var ticks = panel.Scenarios.Select((scenario, i) => new Tick(i, scenario)).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks);
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Margins(bottom: 0, top: 0.15);
        plot.Title(panel.Title);
        plot.YLabel(panel.Unit);
        // Beside the plot, not over it: an upper corner hides the tallest bars of the last scenario.
        plot.ShowLegend(Edge.Right);
    }

    // A compact value label: 12.3k, 850, 4.2.
    private static string Short(double value) => value switch
    {
        >= 10_000 => (value / 1000).ToString("F0", CultureInfo.InvariantCulture) + "k",
        >= 1_000 => (value / 1000).ToString("F1", CultureInfo.InvariantCulture) + "k",
        >= 100 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("F2", CultureInfo.InvariantCulture),
    };

    /// <summary>The same chart as plain SVG, for machines where SkiaSharp's native library does not load.</summary>
    private static string Svg(Panel[] panels)
    {
        var svg = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        svg.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{PanelHeight * panels.Length}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (var p = 0; p < panels.Length; p++)
        {
            var panel = panels[p];
            double top = (PanelHeight * p) + 40, left = 70, width = Width - 240, height = PanelHeight - 90;
            var max = panel.Series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max() * 1.1;
            svg.Append(inv, $"<text x=\"{left}\" y=\"{top - 15}\" font-size=\"15\" font-weight=\"bold\">{panel.Title}</text>\n");
            svg.Append(inv, $"<line x1=\"{left}\" y1=\"{top + height}\" x2=\"{left + width}\" y2=\"{top + height}\" stroke=\"black\"/>\n");
            svg.Append(inv, $"<text x=\"{left - 10}\" y=\"{top + 10}\" text-anchor=\"end\">{Short(max)}</text><text x=\"{left - 10}\" y=\"{top + height}\" text-anchor=\"end\">0</text>\n");
            svg.Append(inv, $"<text x=\"{left - 45}\" y=\"{top + (height / 2)}\" transform=\"rotate(-90 {left - 45} {top + (height / 2)})\" text-anchor=\"middle\">{panel.Unit}</text>\n");
            var groupWidth = width / panel.Scenarios.Length;
            var barWidth = groupWidth * 0.8 / panel.Series.Count;
            for (var i = 0; i < panel.Scenarios.Length; i++)
            {
                var x0 = left + (groupWidth * i) + (groupWidth * 0.1);
                svg.Append(inv, $"<text x=\"{left + (groupWidth * (i + 0.5))}\" y=\"{top + height + 18}\" text-anchor=\"middle\">{panel.Scenarios[i]}</text>\n");
                for (var s = 0; s < panel.Series.Count; s++)
                {
                    var value = panel.Series[s].Values[i];
                    if (!double.IsFinite(value))
                    {
                        continue;
                    }

                    var h = height * value / max;
                    var x = x0 + (barWidth * s);
                    svg.Append(inv, $"<rect x=\"{x:F1}\" y=\"{top + height - h:F1}\" width=\"{barWidth * 0.92:F1}\" height=\"{h:F1}\" fill=\"{panel.Series[s].Color}\"/>");
                    svg.Append(inv, $"<text x=\"{x + (barWidth * 0.46):F1}\" y=\"{top + height - h - 3:F1}\" text-anchor=\"middle\" font-size=\"10\">{Short(value)}</text>\n");
                }
            }

            for (var s = 0; s < panel.Series.Count; s++)
            {
                var y = top + (s * 18);
                svg.Append(inv, $"<rect x=\"{left + width + 20}\" y=\"{y}\" width=\"12\" height=\"12\" fill=\"{panel.Series[s].Color}\"/><text x=\"{left + width + 38}\" y=\"{y + 11}\">{panel.Series[s].Name}</text>\n");
            }
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }
}
