using Gilmour.ControlApi.Errors;
using Gilmour.Registry;
using Gilmour.Streaming;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Connections;

/// <summary>A stream node's status follows its stream: ok once it opens, unavailable once it is lost.</summary>
public sealed class StreamNodeStatus(NodeRegistry registry, AppliedRevisions applied, IOptions<ControlApiOptions> options)
{
    private readonly TimeSpan _readyTimeout = options.Value.SubscriptionReadyTimeout;

    /// <summary>
    /// Writes the node ok (a new revision even when it was ok already, which a dispatcher then acknowledges) and, when
    /// <paramref name="waitForDispatcher"/>, waits until a dispatcher made its subscriptions live.
    /// </summary>
    /// <returns>False when no dispatcher acknowledged within SubscriptionReadyTimeoutSeconds.</returns>
    /// <exception cref="NodeNotFoundException">the node is gone.</exception>
    public async Task<bool> MarkOpenAsync(string id, bool waitForDispatcher, CancellationToken cancellationToken)
    {
        // A write even when ok already: a HealthMonitor round that saw the lease missing just before this stream took
        // it holds an older revision, so its conditional write of unavailable fails.
        var stored = await registry.UpdateAsync(id, node => node.Transport == NodeTransport.Stream ? node with { Status = NodeStatus.Ok } : null)
            ?? throw new NodeNotFoundException(id);
        return !waitForDispatcher || await applied.WaitForAsync(id, stored.Revision, _readyTimeout, cancellationToken);
    }

    /// <summary>
    /// Writes an ok node unavailable, unless a stream holds its lease by then (one opened meanwhile, on this replica
    /// or another, wins).
    /// </summary>
    public Task MarkLostAsync(string id) => registry.UpdateAsync(id,
        node => node.Status == NodeStatus.Ok ? node with { Status = NodeStatus.Unavailable } : null, StreamLeases.NoStreamHolds(id));
}
