using Gilmour.HealthMonitor;
using Gilmour.Registry;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>Issue 7, part 2: node counts by status and probe failures, from the HealthMonitor wired as in production.</summary>
public sealed class HealthMetricsTests
{
    [Fact]
    public async Task A_node_whose_port_is_closed_counts_as_a_refused_probe_and_a_dirty_node()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var metrics = new Exported<MetricSnapshot>();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Configuration["ConnectionStrings:redis"] = redis.ConnectionString;
        builder.Configuration["Gilmour:HealthMonitor:IntervalSeconds"] = "0.3";
        builder.Configuration["Gilmour:HealthMonitor:ProbeTimeoutSeconds"] = "0.2";
        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metering => metering.AddInMemoryExporter(metrics));
        builder.AddGilmourRedisClient();
        builder.AddHealthMonitor();
        await using var app = builder.Build();
        app.MapDefaultEndpoints();

        using var bus = await redis.ConnectAsync();
        var closedPort = FreePort.Next();
        var id = Guid.NewGuid().ToString();
        Assert.True(await new NodeRegistry(bus).AddAsync(new Node(id, "127.0.0.1", closedPort, "/health", NodeStatus.Ok, [], [],
            "ident-" + id, 1, DateTimeOffset.UtcNow, null)));
        await app.StartAsync();
        try
        {
            await Eventually.HoldsAsync(() =>
            {
                var now = Collect(app, metrics);
                return Sum(now, "gilmour.health_probe.failures", ("gilmour.node.id", id), ("gilmour.probe.result", "refused")) == 1
                    && Sum(now, "gilmour.nodes", ("gilmour.node.status", "dirty")) == 1
                    && Sum(now, "gilmour.nodes", ("gilmour.node.status", "ok")) == 0;
            }, TimeSpan.FromSeconds(10), () => "no refused probe and dirty node in the metrics");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static IReadOnlyList<MetricSnapshot> Collect(WebApplication app, Exported<MetricSnapshot> metrics)
    {
        metrics.Clear();
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        return metrics.Snapshot();
    }

    private static long Sum(IReadOnlyList<MetricSnapshot> metrics, string name, params (string Key, object Value)[] tags)
    {
        long sum = 0;
        foreach (var metric in metrics.Where(m => m.Name == name))
            foreach (var point in metric.MetricPoints)
                if (tags.All(tag => HasTag(point, tag.Key, tag.Value)))
                    sum += metric.MetricType == MetricType.LongGauge ? point.GetGaugeLastValueLong() : point.GetSumLong();
        return sum;
    }

    private static bool HasTag(MetricPoint point, string key, object value)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key && Equals(tag.Value, value)) return true;
        return false;
    }
}
