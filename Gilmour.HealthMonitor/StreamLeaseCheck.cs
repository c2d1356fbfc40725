using Gilmour.Registry;
using Gilmour.Streaming;
using StackExchange.Redis;

namespace Gilmour.HealthMonitor;

/// <summary>
/// A node that dials out is never probed: its liveness is its stream. The ControlApi replica holding the stream
/// marks the node unavailable when the stream closes; if that replica dies instead, the stream's lease lapses, and
/// this check, run with every probe round, marks an ok stream node without a lease unavailable.
/// </summary>
public sealed partial class StreamLeaseCheck(NodeRegistry registry, IConnectionMultiplexer redis, ILogger<StreamLeaseCheck> logger)
{
    private readonly NodeRegistry _registry = registry;
    private readonly StreamLeases _leases = new(redis);
    private readonly ILogger<StreamLeaseCheck> _logger = logger;

    /// <param name="nodes">stream nodes that were ok when the round listed the registry.</param>
    public async Task CheckAsync(IReadOnlyList<Node> nodes)
    {
        if (nodes.Count == 0) return;
        var held = await _leases.HeldAsync([.. nodes.Select(n => n.Id)]);
        var writes = new List<Task>();
        for (var i = 0; i < nodes.Count; i++)
            if (!held[i]) writes.Add(MarkLostAsync(nodes[i]));
        await Task.WhenAll(writes);
    }

    private async Task MarkLostAsync(Node node)
    {
        // Only the revision that was seen, and only while no stream holds the lease: a stream that opened meanwhile
        // (its lease comes before its ok) keeps the node ok.
        var proposed = false;
        var stored = await _registry.UpdateAsync(node.Id, current =>
        {
            proposed = current.Revision == node.Revision && current.Status == NodeStatus.Ok;
            return proposed ? current with { Status = NodeStatus.Unavailable } : null;
        }, StreamLeases.NoStreamHolds(node.Id));
        // Unwritten when the lease appeared: the node is then returned as it was, at the revision that was seen.
        if (proposed && stored?.Revision == node.Revision + 1) LogLost(node.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} went from ok to unavailable: its stream's lease lapsed (the control API holding it is gone)")]
    private partial void LogLost(string nodeId);
}
