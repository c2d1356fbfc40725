using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>Reads what a host's OpenTelemetry meter provider exported to an in-memory exporter.</summary>
public static class MetricReadings
{
    /// <summary>Collects and exports every instrument's current value now.</summary>
    public static IReadOnlyList<MetricSnapshot> Collect(WebApplication app, Exported<MetricSnapshot> metrics)
    {
        metrics.Clear();
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        return metrics.Snapshot();
    }

    /// <summary>The sum of a counter's (or the last value of a gauge's) points that carry every one of <paramref name="tags"/>.</summary>
    public static long Sum(IReadOnlyList<MetricSnapshot> metrics, string name, params (string Key, object Value)[] tags)
    {
        long sum = 0;
        foreach (var (metric, point) in Points(metrics, name, tags))
            sum += metric.MetricType == MetricType.LongGauge ? point.GetGaugeLastValueLong() : point.GetSumLong();
        return sum;
    }

    public static long HistogramCount(IReadOnlyList<MetricSnapshot> metrics, string name, params (string Key, object Value)[] tags)
    {
        long count = 0;
        foreach (var (_, point) in Points(metrics, name, tags)) count += point.GetHistogramCount();
        return count;
    }

    private static IEnumerable<(MetricSnapshot Metric, MetricPoint Point)> Points(IReadOnlyList<MetricSnapshot> metrics, string name,
        (string Key, object Value)[] tags)
    {
        foreach (var metric in metrics.Where(m => m.Name == name))
            foreach (var point in metric.MetricPoints)
                if (tags.All(tag => HasTag(point, tag.Key, tag.Value)))
                    yield return (metric, point);
    }

    private static bool HasTag(MetricPoint point, string key, object value)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key && Equals(tag.Value, value)) return true;
        return false;
    }
}
