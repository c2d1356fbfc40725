using Gilmour.ControlApi.Errors;
using Gilmour.Registry;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Registration;

/// <summary>
/// Core's <see cref="NodeRegistry"/> with each write confirmed: checked against <see cref="NodeRules"/> first, and
/// answered only once a dispatcher has made the node's Redis subscriptions match it, so that a request sent the
/// instant a call returns reaches the node.
/// </summary>
public sealed class ConfirmedRegistry(
    NodeRegistry registry, AppliedRevisions applied, IOptions<ControlApiOptions> options, ILogger<ConfirmedRegistry> log)
{
    private readonly TimeSpan _readyTimeout = options.Value.SubscriptionReadyTimeout;

    /// <exception cref="NodeNotFoundException">unknown id.</exception>
    public async Task<Node> GetAsync(string id) =>
        await registry.GetAsync(NodeIds.EnsureWellFormed(id)) ?? throw new NodeNotFoundException(id);

    public Task<IReadOnlyList<Node>> ListAsync() => registry.ListAsync();

    /// <summary>Stores a new node and waits until its subscriptions are live; rolls it back when none gets them live.</summary>
    /// <exception cref="SubscriptionsNotReadyException">no dispatcher acknowledged in time; nothing is left stored.</exception>
    public async Task AddAsync(Node node, CancellationToken cancellationToken)
    {
        EnsureRules(node);
        if (!await registry.AddAsync(node))
            throw new InvalidOperationException($"node id {node.Id} exists already");

        bool ready;
        try
        {
            ready = await applied.WaitForAsync(node.Id, node.Revision, _readyTimeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The client gave up: it never learns the id, so the node would be an orphan nobody can manage.
            await registry.RemoveAsync(node.Id);
            throw;
        }
        if (!ready)
        {
            await registry.RemoveAsync(node.Id);
            log.LogWarning("Registration of node {Id} rolled back: no dispatcher applied revision {Revision} within {Timeout}",
                node.Id, node.Revision, _readyTimeout);
            throw new SubscriptionsNotReadyException(_readyTimeout);
        }
    }

    /// <summary>
    /// Commits <paramref name="change"/> (null: leave the node as is) and waits until a dispatcher applied it. The
    /// change stays committed when none does in time (it is logged): the dispatchers' reconciliation applies it.
    /// </summary>
    /// <exception cref="NodeNotFoundException">unknown id.</exception>
    public async Task<Node> ChangeAsync(string id, Func<Node, Node?> change, CancellationToken cancellationToken)
    {
        NodeIds.EnsureWellFormed(id);
        Node? changed = null;
        var stored = await registry.UpdateAsync(id, node =>
        {
            // UpdateAsync may call this again after losing an optimistic race: only the last call counts.
            changed = change(node);
            if (changed is not null) EnsureRules(changed);
            return changed;
        }) ?? throw new NodeNotFoundException(id);

        if (changed is not null
            && !await applied.WaitForAsync(id, stored.Revision, _readyTimeout, cancellationToken))
            log.LogWarning("Node {Id} revision {Revision} committed, but no dispatcher applied it within {Timeout}",
                id, stored.Revision, _readyTimeout);
        return stored;
    }

    /// <summary>Removes the node, then gives the dispatchers a bounded wait to drop its subscriptions.</summary>
    /// <exception cref="NodeNotFoundException">unknown id.</exception>
    public async Task RemoveAsync(string id, CancellationToken cancellationToken)
    {
        var removed = await registry.RemoveAsync(NodeIds.EnsureWellFormed(id)) ?? throw new NodeNotFoundException(id);
        // A dispatcher acknowledges a removal with the removed revision + 1.
        if (!await applied.WaitForAsync(id, removed.Revision + 1, _readyTimeout, cancellationToken))
            log.LogWarning("Node {Id} removed, but no dispatcher acknowledged dropping its subscriptions within {Timeout}",
                id, _readyTimeout);
    }

    private static void EnsureRules(Node node)
    {
        if (NodeRules.Check(node) is { } problem) throw new InvalidInputException(problem);
    }
}
