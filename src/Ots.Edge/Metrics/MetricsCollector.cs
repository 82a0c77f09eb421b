using System.Buffers;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Ots.Edge.Metrics;

/// <summary>
/// Aggregates the measurements of one meter (and of the runtime's <c>System.Runtime</c> meter) through a
/// <see cref="MeterListener"/>, and writes them in the Prometheus text exposition format, version 0.0.4.
/// </summary>
/// <remarks>
/// <para>
/// Why not a library: prometheus-net 8.2.1 publishes under Native AOT without warnings and can render to a stream,
/// but its <c>MeterAdapter</c> exposes every System.Diagnostics.Metrics counter as a gauge without <c>_total</c>,
/// prefixes names with the meter's (<c>ots_edge_ots_requests</c>), writes CLR type names into the help text, keeps a
/// second registry that copies every measurement, and resolves Microsoft.Extensions.Http 3.1 into the app (checked
/// with a scratch AOT publish). The OpenTelemetry Prometheus exporter is ASP.NET middleware (or an
/// <c>HttpListener</c>), and we have no middleware pipeline: every byte is written by the connection handler. What
/// is needed is small: sums, last values and fixed-bucket histograms, rendered to a buffer on a scrape.
/// </para>
/// <para>
/// Hot path: a measurement finds its series by comparing its tags with each known series' (callers pass the same
/// static tag arrays every time, so it is a reference compare per tag), then updates it with one or two
/// <see cref="Interlocked"/> operations. No lock, no allocation. A new tag set (at most a few dozen, at warm-up)
/// copies the series array under a lock.
/// </para>
/// </remarks>
internal sealed class MetricsCollector : IDisposable
{
    /// <summary>The runtime's built-in meter (.NET 9+): GC, allocations, thread pool, JIT, CPU, working set.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    private readonly Meter _own;
    private readonly MeterListener _listener;
    private readonly List<MetricFamily> _families = [];
    private readonly Lock _scrapeGate = new();

    /// <summary>Starts listening to <paramref name="own"/> and to <see cref="RuntimeMeterName"/>.</summary>
    public MetricsCollector(Meter own)
    {
        _own = own;
        _listener = new MeterListener
        {
            InstrumentPublished = OnInstrumentPublished,
            MeasurementsCompleted = OnMeasurementsCompleted,
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, value, tags, state) => ((MetricFamily)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Polls the observable instruments, then writes every family that has a series.</summary>
    public void WritePrometheus(IBufferWriter<byte> output)
    {
        lock (_scrapeGate)
        {
            _listener.RecordObservableInstruments();
            MetricFamily[] families;
            lock (_families)
            {
                families = [.. _families];
            }

            foreach (var family in families)
            {
                family.Write(output);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        if (instrument.Meter != _own && instrument.Meter.Name != RuntimeMeterName)
        {
            return;
        }

        var family = MetricFamily.TryCreate(instrument);
        if (family is null)
        {
            return;
        }

        lock (_families)
        {
            // Two instruments that map to one exposition name would make the output invalid: keep the first.
            if (_families.Exists(existing => existing.Name == family.Name))
            {
                return;
            }

            var index = _families.FindIndex(existing => string.CompareOrdinal(existing.Name, family.Name) > 0);
            _families.Insert(index < 0 ? _families.Count : index, family);
        }

        listener.EnableMeasurementEvents(instrument, family);
    }

    private void OnMeasurementsCompleted(Instrument instrument, object? state)
    {
        if (state is MetricFamily family)
        {
            lock (_families)
            {
                _families.Remove(family);
            }
        }
    }
}

/// <summary>How a family aggregates its measurements and what <c># TYPE</c> it is exposed as.</summary>
internal enum MetricKind
{
    /// <summary><c>Counter&lt;T&gt;</c>: measurements are increments; a Prometheus counter.</summary>
    Counter,

    /// <summary><c>UpDownCounter&lt;T&gt;</c>: measurements are signed increments; a gauge.</summary>
    UpDownCounter,

    /// <summary><c>ObservableCounter&lt;T&gt;</c>: each observation is the running total; a counter.</summary>
    ObservedCounter,

    /// <summary>Observable gauges and up-down counters, and <c>Gauge&lt;T&gt;</c>: the last value; a gauge.</summary>
    LastValue,

    /// <summary><c>Histogram&lt;T&gt;</c> with fixed buckets (the instrument's advice, else a default).</summary>
    Histogram,
}

/// <summary>One metric of the exposition: its name, help, type and series.</summary>
internal sealed class MetricFamily
{
    /// <summary>Series per family at most: a tag with unbounded values must not grow the exposition without end.</summary>
    private const int MaxSeries = 256;

    // Prometheus client libraries' default buckets, for a histogram whose instrument gives no advice.
    private static readonly double[] s_defaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Lock _gate = new();
    private readonly double[] _bounds;
    private readonly byte[] _header;
    private Series[] _series = [];

    private MetricFamily(string name, MetricKind kind, string help, double[] bounds)
    {
        Name = name;
        Kind = kind;
        _bounds = bounds;
        var type = kind switch
        {
            MetricKind.Counter or MetricKind.ObservedCounter => "counter",
            MetricKind.Histogram => "histogram",
            _ => "gauge",
        };
        _header = Encoding.UTF8.GetBytes("# HELP " + name + " " + EscapeHelp(help) + "\n# TYPE " + name + " " + type + "\n");
    }

    /// <summary>The exposition name, e.g. <c>ots_http_request_duration_seconds</c>.</summary>
    public string Name { get; }

    /// <summary>How measurements aggregate.</summary>
    public MetricKind Kind { get; }

    /// <summary>A family for <paramref name="instrument"/>, or null for an instrument kind this exporter does not know.</summary>
    public static MetricFamily? TryCreate(Instrument instrument)
    {
        var type = instrument.GetType();
        if (!type.IsGenericType)
        {
            return null;
        }

        var definition = type.GetGenericTypeDefinition();
        MetricKind kind;
        if (definition == typeof(Counter<>))
        {
            kind = MetricKind.Counter;
        }
        else if (definition == typeof(UpDownCounter<>))
        {
            kind = MetricKind.UpDownCounter;
        }
        else if (definition == typeof(ObservableCounter<>))
        {
            kind = MetricKind.ObservedCounter;
        }
        else if (definition == typeof(ObservableUpDownCounter<>) || definition == typeof(ObservableGauge<>) || definition == typeof(Gauge<>))
        {
            kind = MetricKind.LastValue;
        }
        else if (definition == typeof(Histogram<>))
        {
            kind = MetricKind.Histogram;
        }
        else
        {
            return null;
        }

        var bounds = kind == MetricKind.Histogram ? BucketBounds(instrument) : [];
        return new MetricFamily(ExpositionName(instrument.Name, instrument.Unit, kind), kind, instrument.Description ?? instrument.Name, bounds);
    }

    /// <summary>
    /// The Prometheus name of an instrument, as OpenTelemetry's Prometheus exporters spell it: invalid characters
    /// become <c>_</c>, the unit is appended (<c>s</c> → <c>seconds</c>, <c>By</c> → <c>bytes</c>, <c>{thing}</c>
    /// dropped), and counters end in <c>_total</c>.
    /// </summary>
    public static string ExpositionName(string name, string? unit, MetricKind kind)
    {
        var result = Sanitize(name, allowColon: true);
        var suffix = unit switch
        {
            null or "" => "",
            ['{', .., '}'] => "",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            "1" => kind is MetricKind.LastValue or MetricKind.UpDownCounter ? "ratio" : "",
            _ => Sanitize(unit, allowColon: false).Trim('_'),
        };

        if (suffix.Length > 0 && !result.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            result += "_" + suffix;
        }

        if (kind is MetricKind.Counter or MetricKind.ObservedCounter && !result.EndsWith("_total", StringComparison.Ordinal))
        {
            result += "_total";
        }
        else if (kind != MetricKind.Histogram &&
            (result.EndsWith("_count", StringComparison.Ordinal) || result.EndsWith("_sum", StringComparison.Ordinal) || result.EndsWith("_bucket", StringComparison.Ordinal)))
        {
            // Those suffixes belong to histogram series (promtool rejects them elsewhere): dotnet.timer.count, a gauge,
            // is exposed as dotnet_timer_count_value.
            result += "_value";
        }

        return result;
    }

    /// <summary>Adds, sets or observes <paramref name="value"/> on the series of <paramref name="tags"/>.</summary>
    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record<long>(value, tags);

    /// <summary>Adds, sets or observes <paramref name="value"/> on the series of <paramref name="tags"/>.</summary>
    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) => Record<double>(value, tags);

    // One path for both measurement types; the series keeps whole numbers in a field of their own (exact sums).
    private void Record<T>(T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct, INumberBase<T>
    {
        var series = Find(tags);
        if (series is null)
        {
            return;
        }

        switch (Kind)
        {
            case MetricKind.Counter or MetricKind.UpDownCounter:
                series.Add(value);
                break;
            case MetricKind.Histogram:
                series.Observe(double.CreateTruncating(value), _bounds);
                break;
            default:
                series.Set(value);
                break;
        }
    }

    /// <summary>Writes <c># HELP</c>, <c># TYPE</c> and every series; nothing for a family without series yet.</summary>
    public void Write(IBufferWriter<byte> output)
    {
        var all = Volatile.Read(ref _series);
        if (all.Length == 0)
        {
            return;
        }

        output.Write(_header);
        foreach (var series in all)
        {
            if (Kind == MetricKind.Histogram)
            {
                series.WriteHistogram(output, Name, _bounds);
            }
            else
            {
                series.WriteValue(output, Name);
            }
        }
    }

    private Series? Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var series in Volatile.Read(ref _series))
        {
            if (series.Matches(tags))
            {
                return series;
            }
        }

        return Add(tags);
    }

    private Series? Add(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        lock (_gate)
        {
            var all = _series;
            foreach (var series in all)
            {
                if (series.Matches(tags))
                {
                    return series;
                }
            }

            if (all.Length >= MaxSeries)
            {
                return null;
            }

            var created = new Series(tags, Kind == MetricKind.Histogram ? _bounds.Length + 1 : 0);
            Volatile.Write(ref _series, [.. all, created]);
            return created;
        }
    }

    private static double[] BucketBounds(Instrument instrument)
    {
        var bounds = instrument switch
        {
            Histogram<double> histogram => histogram.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound).ToArray(),
            Histogram<int> histogram => histogram.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound).ToArray(),
            _ => null,
        };
        return bounds is { Length: > 0 } ? bounds : s_defaultBuckets;
    }

    /// <summary>Metric and label names: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c> (no colon in label names).</summary>
    internal static string Sanitize(string name, bool allowColon)
    {
        var builder = new StringBuilder(name.Length);
        foreach (var c in name)
        {
            var valid = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = valid ? c : '_';
            if (next == '_' && builder.Length > 0 && builder[^1] == '_')
            {
                continue; // "a.b" and "a._b" both give "a_b", as OpenTelemetry does.
            }

            builder.Append(next);
        }

        if (builder.Length == 0 || char.IsAsciiDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

/// <summary>One labelled series: a sum, a last value, or a histogram's buckets and sum.</summary>
internal sealed class Series
{
    private readonly string[] _keys;
    private readonly object?[] _values;
    private readonly byte[] _labels;
    private readonly byte[] _labelsPrefix;
    private readonly long[] _buckets;
    private long _long;
    private double _double;

    /// <summary>Creates the series of <paramref name="tags"/>; <paramref name="bucketCount"/> is 0 unless a histogram.</summary>
    public Series(ReadOnlySpan<KeyValuePair<string, object?>> tags, int bucketCount)
    {
        _keys = new string[tags.Length];
        _values = new object?[tags.Length];
        var sorted = tags.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var labels = new StringBuilder();
        for (var i = 0; i < tags.Length; i++)
        {
            _keys[i] = tags[i].Key;
            _values[i] = tags[i].Value;
            if (i > 0)
            {
                labels.Append(',');
            }

            labels.Append(MetricFamily.Sanitize(sorted[i].Key, allowColon: false)).Append("=\"")
                .Append(EscapeLabelValue(Convert.ToString(sorted[i].Value, CultureInfo.InvariantCulture) ?? "")).Append('"');
        }

        // "{a="1"}" for plain series, "{a="1"," before a histogram bucket's le.
        _labels = tags.Length == 0 ? [] : Encoding.UTF8.GetBytes("{" + labels + "}");
        _labelsPrefix = Encoding.UTF8.GetBytes("{" + labels + (tags.Length == 0 ? "" : ","));
        _buckets = new long[bucketCount];
    }

    /// <summary>Whether <paramref name="tags"/> are this series' tags, in any order.</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length != _keys.Length)
        {
            return false;
        }

        for (var i = 0; i < tags.Length; i++)
        {
            // Usually the same order and the very same (static) objects: the first compare decides.
            var j = KeyEquals(_keys[i], tags[i].Key) ? i : IndexOfKey(tags[i].Key);
            if (j < 0)
            {
                return false;
            }

            var value = _values[j];
            if (!ReferenceEquals(value, tags[i].Value) && !Equals(value, tags[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    // typeof(T) is a constant in each instantiation: the branch not taken is compiled away, nothing is boxed.
    public void Add<T>(T value)
        where T : struct, INumberBase<T>
    {
        if (typeof(T) == typeof(long))
        {
            Interlocked.Add(ref _long, long.CreateTruncating(value));
        }
        else
        {
            AddDouble(ref _double, double.CreateTruncating(value));
        }
    }

    public void Set<T>(T value)
        where T : struct, INumberBase<T>
    {
        if (typeof(T) == typeof(long))
        {
            Volatile.Write(ref _double, 0);
            Interlocked.Exchange(ref _long, long.CreateTruncating(value));
        }
        else
        {
            Interlocked.Exchange(ref _long, 0);
            Volatile.Write(ref _double, double.CreateTruncating(value));
        }
    }

    /// <summary>Counts <paramref name="value"/> in its bucket (the first bound it does not exceed) and adds it to the sum.</summary>
    public void Observe(double value, double[] bounds)
    {
        var bucket = 0;
        while (bucket < bounds.Length && value > bounds[bucket])
        {
            bucket++;
        }

        Interlocked.Increment(ref _buckets[bucket]);
        AddDouble(ref _double, value);
    }

    public void WriteValue(IBufferWriter<byte> output, string name)
    {
        WriteAscii(output, name);
        output.Write(_labels);
        output.Write(" "u8);
        var whole = Volatile.Read(ref _long);
        var fraction = Volatile.Read(ref _double);
        if (fraction == 0)
        {
            WriteNumber(output, whole);
        }
        else
        {
            WriteNumber(output, whole + fraction);
        }

        output.Write("\n"u8);
    }

    public void WriteHistogram(IBufferWriter<byte> output, string name, double[] bounds)
    {
        // The count is the sum of the buckets read here, so _count and the +Inf bucket always agree even while
        // observations land during the scrape (the sum may be a few observations ahead; Prometheus tolerates that).
        long cumulative = 0;
        for (var i = 0; i <= bounds.Length; i++)
        {
            cumulative += Volatile.Read(ref _buckets[i]);
            WriteAscii(output, name);
            output.Write("_bucket"u8);
            output.Write(_labelsPrefix);
            output.Write("le=\""u8);
            if (i < bounds.Length)
            {
                WriteNumber(output, bounds[i]);
            }
            else
            {
                output.Write("+Inf"u8);
            }

            output.Write("\"} "u8);
            WriteNumber(output, cumulative);
            output.Write("\n"u8);
        }

        WriteAscii(output, name);
        output.Write("_sum"u8);
        output.Write(_labels);
        output.Write(" "u8);
        WriteNumber(output, Volatile.Read(ref _double));
        output.Write("\n"u8);

        WriteAscii(output, name);
        output.Write("_count"u8);
        output.Write(_labels);
        output.Write(" "u8);
        WriteNumber(output, cumulative);
        output.Write("\n"u8);
    }

    private int IndexOfKey(string key)
    {
        for (var i = 0; i < _keys.Length; i++)
        {
            if (KeyEquals(_keys[i], key))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool KeyEquals(string a, string b) => ReferenceEquals(a, b) || string.Equals(a, b, StringComparison.Ordinal);

    private static void AddDouble(ref double location, double value)
    {
        var current = Volatile.Read(ref location);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref location, current + value, current);
            if (seen.Equals(current))
            {
                return;
            }

            current = seen;
        }
    }

    private static void WriteAscii(IBufferWriter<byte> output, string text)
    {
        var span = output.GetSpan(text.Length);
        var written = Encoding.ASCII.GetBytes(text, span);
        output.Advance(written);
    }

    private static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
    }

    private static void WriteNumber(IBufferWriter<byte> output, double value)
    {
        if (double.IsNaN(value))
        {
            output.Write("NaN"u8);
        }
        else if (double.IsPositiveInfinity(value))
        {
            output.Write("+Inf"u8);
        }
        else if (double.IsNegativeInfinity(value))
        {
            output.Write("-Inf"u8);
        }
        else
        {
            // Shortest round-trip form, e.g. 0.0025 or 1E-05: both parse as Go floats.
            var span = output.GetSpan(32);
            value.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
            output.Advance(written);
        }
    }

    private static string EscapeLabelValue(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
