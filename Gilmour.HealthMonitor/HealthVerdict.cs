using System.Collections.Concurrent;
using Gilmour.Registry;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Turns probe outcomes into node statuses (docs/design.md, "Node health"): 2xx -> ok; refused -> dirty at once;
/// any other failure -> unavailable once it has happened <c>threshold</c> times in a row.
/// </summary>
public sealed class HealthVerdict(int threshold)
{
    private readonly int _threshold = threshold;
    private readonly ConcurrentDictionary<string, int> _consecutiveFailures = new();

    public NodeStatus Judge(Node node, ProbeOutcome outcome)
    {
        switch (outcome.Result)
        {
            case ProbeResult.Healthy:
                _consecutiveFailures.TryRemove(node.Id, out _);
                return NodeStatus.Ok;
            case ProbeResult.Refused:
                _consecutiveFailures.TryRemove(node.Id, out _);
                return NodeStatus.Dirty;
            default:
                var failures = _consecutiveFailures.AddOrUpdate(node.Id, 1, static (_, count) => count + 1);
                return failures >= _threshold ? NodeStatus.Unavailable : node.Status;
        }
    }

    /// <summary>Drops the counts of nodes no longer probed (deleted or dirty), so the table stays bounded.</summary>
    public void Retain(IReadOnlySet<string> probedIds)
    {
        foreach (var id in _consecutiveFailures.Keys)
            if (!probedIds.Contains(id)) _consecutiveFailures.TryRemove(id, out _);
    }

    /// <summary>Forgets every count: a replica that loses the lease must not resume later with stale streaks.</summary>
    public void Reset() => _consecutiveFailures.Clear();
}
