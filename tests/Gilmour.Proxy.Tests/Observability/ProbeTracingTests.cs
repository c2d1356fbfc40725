using System.Diagnostics;
using Gilmour.Testing;
using OpenTelemetry.Metrics;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>
/// The HealthMonitor's probes of nodes leave no trace by default (Gilmour:Tracing:TraceProbesAndPolling), and do
/// when the option is on: the same probes, only the option differs.
/// </summary>
[Collection(InProcessHosts.Name)]
public sealed class ProbeTracingTests
{
    [Fact]
    public async Task The_health_monitors_probes_of_a_node_make_no_trace_by_default()
    {
        var probes = await ProbeSpansAsync(traceProbes: false);

        Assert.Empty(probes);
    }

    [Fact]
    public async Task The_health_monitors_probes_are_traced_when_the_option_asks_for_it()
    {
        var probes = await ProbeSpansAsync(traceProbes: true);

        Assert.True(probes.Count > 0, "no probe span");
        Assert.All(probes, span => Assert.Equal(default, span.ParentSpanId));
    }

    /// <summary>Runs the HealthMonitor until it probed a healthy node twice; returns the client spans of those probes.</summary>
    private static async Task<IReadOnlyList<Activity>> ProbeSpansAsync(bool traceProbes)
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var node = await TestNode.StartAsync();
        var spans = new Exported<Activity>();
        await using var app = FastHealthMonitor.Build(redis, new Exported<MetricSnapshot>(), spans,
            ("Gilmour:Tracing:TraceProbesAndPolling", traceProbes ? "true" : "false"));
        await FastHealthMonitor.AddNodeAsync(redis, node.Port, node.HealthPath);
        await app.StartAsync();
        try
        {
            // Rounds run one after another: by the second probe the first one's span, if any, has ended and been exported.
            await Eventually.HoldsAsync(() => node.HealthProbes >= 2, TimeSpan.FromSeconds(20), () => $"{node.HealthProbes} probes");
        }
        finally
        {
            await app.StopAsync();
        }
        var probeAddress = $":{node.Port}{node.HealthPath}";
        return [.. spans.Snapshot().Where(s => s.Kind == ActivityKind.Client && (s.GetTagItem("url.full") as string)?.Contains(probeAddress) == true)];
    }
}
