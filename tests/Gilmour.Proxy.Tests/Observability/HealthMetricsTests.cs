using Gilmour.Testing;
using OpenTelemetry.Metrics;
using static Gilmour.Proxy.Tests.Observability.MetricReadings;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>Node counts by status and probe failures, from the HealthMonitor wired as in production.</summary>
[Collection(InProcessHosts.Name)]
public sealed class HealthMetricsTests
{
    [Fact]
    public async Task A_node_whose_port_is_closed_counts_as_a_refused_probe_and_a_dirty_node()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var metrics = new Exported<MetricSnapshot>();
        await using var app = FastHealthMonitor.Build(redis, metrics);
        var id = await FastHealthMonitor.AddNodeAsync(redis, FreePort.Next());
        await app.StartAsync();
        try
        {
            await Eventually.HoldsAsync(() =>
            {
                var now = Collect(app, metrics);
                return Sum(now, "gilmour.health_probe.failures", ("gilmour.node.id", id), ("gilmour.probe.result", "refused")) == 1
                    && Sum(now, "gilmour.nodes", ("gilmour.node.status", "dirty")) == 1
                    && Sum(now, "gilmour.nodes", ("gilmour.node.status", "ok")) == 0;
            }, TimeSpan.FromSeconds(30), () => "no refused probe and dirty node in the metrics");
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
