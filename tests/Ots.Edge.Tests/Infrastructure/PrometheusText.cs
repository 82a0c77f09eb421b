using System.Globalization;

namespace Ots.Edge.Tests.Infrastructure;

/// <summary>A scrape of <c>GET /metrics</c>: every sample line, keyed by <c>name{labels}</c> exactly as written.</summary>
public sealed class PrometheusText
{
    private readonly Dictionary<string, double> _samples;

    private PrometheusText(string text, Dictionary<string, double> samples)
    {
        Text = text;
        _samples = samples;
    }

    /// <summary>The exposition as served.</summary>
    public string Text { get; }

    /// <summary>Parses sample lines (<c>series value</c>); comments and blank lines are skipped.</summary>
    public static PrometheusText Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, "not a sample line: " + line);
            var value = line[(space + 1)..] switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                var number => double.Parse(number, NumberStyles.Float, CultureInfo.InvariantCulture),
            };
            Assert.True(samples.TryAdd(line[..space], value), "series written twice: " + line[..space]);
        }

        return new PrometheusText(text, samples);
    }

    /// <summary>The value of <c>name{labels}</c> (labels as written, e.g. <c>route="/generate",status="201"</c>), or 0 when absent.</summary>
    public double Value(string name, string labels = "") =>
        _samples.TryGetValue(labels.Length == 0 ? name : name + "{" + labels + "}", out var value) ? value : 0;

    /// <summary>Whether any series of <paramref name="name"/> is present.</summary>
    public bool Has(string name) =>
        _samples.Keys.Any(series => series == name || series.StartsWith(name + "{", StringComparison.Ordinal));
}
