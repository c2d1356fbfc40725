using System.Diagnostics.Metrics;
using Gilmour.Registry;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Metrics of the health monitor: the registry's nodes by status as the last probe round saw them, and failed
/// probes. Only the replica holding the probing lease reports node counts, so replicas never add up to double.
/// </summary>
public sealed class HealthTelemetry
{
    public const string MeterName = "Gilmour.HealthMonitor";
    public const string Nodes = "gilmour.nodes";
    public const string ProbeFailures = "gilmour.health_probe.failures";

    private readonly Counter<long> _probeFailures;
    private volatile IReadOnlyList<Measurement<int>> _nodes = [];

    public HealthTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(Nodes, () => _nodes, "{node}", "Registered nodes by status (ok, unavailable, dirty)");
        _probeFailures = meter.CreateCounter<long>(ProbeFailures, "{probe}",
            "Health probes of nodes that failed (non-2xx, no answer in time) or were refused (nothing listens)");
    }

    /// <summary>The nodes a round read from the registry.</summary>
    public void Observed(IReadOnlyList<Node> nodes)
    {
        var counts = new Dictionary<NodeStatus, int> { [NodeStatus.Ok] = 0, [NodeStatus.Unavailable] = 0, [NodeStatus.Dirty] = 0 };
        foreach (var node in nodes) counts[node.Status] = counts.GetValueOrDefault(node.Status) + 1;
        _nodes = [.. counts.Select(c => new Measurement<int>(c.Value, new KeyValuePair<string, object?>("gilmour.node.status", c.Key.ToWire())))];
    }

    /// <summary>This replica stopped probing: another one reports the counts now.</summary>
    public void Stopped() => _nodes = [];

    public void ProbeFailed(string nodeId, ProbeResult result) => _probeFailures.Add(1,
        new KeyValuePair<string, object?>("gilmour.node.id", nodeId),
        new KeyValuePair<string, object?>("gilmour.probe.result", result == ProbeResult.Refused ? "refused" : "failed"));
}
