using Gilmour.HealthMonitor;
using Gilmour.Registry;
using Gilmour.Testing;
using Microsoft.Extensions.Hosting;
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
        var builder = ObservedHost.CreateBuilder(redis.ConnectionString, metrics);
        // A refused connection is answered at once; the timeout is only there so that a loaded machine does not turn
        // the refusal into a timed-out probe before it is seen.
        builder.Configuration["Gilmour:HealthMonitor:IntervalSeconds"] = "1";
        builder.Configuration["Gilmour:HealthMonitor:ProbeTimeoutSeconds"] = "0.9";
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
            }, TimeSpan.FromSeconds(30), () => "no refused probe and dirty node in the metrics");
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
