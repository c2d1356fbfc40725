using Gilmour.Registry;
using Microsoft.Extensions.Options;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Removes a node that has been dirty (nothing listened on its port) for longer than
/// <see cref="HealthMonitorOptions.DirtyNodeTtl"/>: its process is gone and nobody deleted it. The removal is the
/// registry's, as DELETE /nodes/{id} does it (the node, its health ident and its token go, and the removal is
/// announced), conditioned on the node still being dirty since then, so an activation in between keeps it and
/// only one removal is ever announced, whichever replica tried.
/// </summary>
public sealed partial class DirtyNodeExpiry(NodeRegistry registry, IOptions<HealthMonitorOptions> options, ILogger<DirtyNodeExpiry> logger)
{
    private readonly NodeRegistry _registry = registry;
    private readonly TimeSpan _ttl = options.Value.DirtyNodeTtl;
    private readonly ILogger<DirtyNodeExpiry> _logger = logger;

    /// <param name="node">A dirty node as a probe round listed it.</param>
    public async Task ExpireAsync(Node node)
    {
        if (_ttl <= TimeSpan.Zero || node.Status != NodeStatus.Dirty) return;
        var now = TimeProvider.System.GetUtcNow();
        if (node.StatusSince is null)
        {
            // Stored before status changes were stamped: its time counts from now.
            await _registry.UpdateAsync(node.Id, current =>
                current is { Status: NodeStatus.Dirty, StatusSince: null } ? current with { StatusSince = now } : null);
            return;
        }
        if (now - node.StatusSince < _ttl) return;

        var removed = await _registry.RemoveIfAsync(node.Id, current =>
            current is { Status: NodeStatus.Dirty, StatusSince: { } since } && now - since >= _ttl);
        if (removed is not null) LogRemoved(node.Id, removed.StatusSince!.Value, _ttl.TotalSeconds);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Node {NodeId} removed: dirty since {Since:o}, longer than DirtyNodeTtlSeconds ({TtlSeconds} s)")]
    private partial void LogRemoved(string nodeId, DateTimeOffset since, double ttlSeconds);
}
