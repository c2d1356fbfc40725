using System.Collections.Concurrent;
using Gilmour.Registry;
using Gilmour.Responding;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// Keeps the Redis subscriptions of every node in step with the registry. Applying a node reads its latest stored
/// state and diffs it against what is live; applies of one node never overlap, and a trigger that finds an apply
/// already waiting is covered by it. After each newly applied revision the dispatcher acknowledges it on
/// <see cref="RegistryKeys.AppliedChannel"/>, which the ControlApi waits for before it answers. Each node's
/// bookkeeping between applies is its <see cref="NodeApplyState"/>.
/// </summary>
/// <remarks>
/// What goes live is each node's <see cref="ProxiedNode"/>, and a message then takes one way: the Responder of node N
/// (holding the Gilmour exclusion lock for a grouped message) -> N's <see cref="SubscriptionRoute"/> -> the
/// <see cref="ExclusionGroups"/> pick member M -> M's <see cref="NodeCapacity"/> (max_concurrency) ->
/// <see cref="NodeDelivery"/> over HTTP or <see cref="StreamDelivery"/> down M's stream -> M's answer, which N's
/// Responder replies.
/// </remarks>
public sealed partial class NodeSubscriptions(
    IConnectionMultiplexer redis,
    NodeRegistry registry,
    AppliedRevisions applied,
    NodeDelivery delivery,
    DeliveryTelemetry telemetry,
    ExclusionGroups groups,
    IOptions<DispatcherOptions> options,
    ILoggerFactory loggers)
{
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly RegistryMemory _memory = new(registry, redis);
    private readonly AppliedRevisions _applied = applied;
    private readonly NodeDelivery _delivery = delivery;
    private readonly DeliveryTelemetry _telemetry = telemetry;
    private readonly ExclusionGroups _groups = groups;
    private readonly ILoggerFactory _loggers = loggers;
    private readonly ILogger _logger = loggers.CreateLogger<NodeSubscriptions>();
    private readonly ConcurrentDictionary<string, NodeApplyState> _nodes = new(StringComparer.Ordinal);

    // The registry keeps each node's ident in gilmour.known_host.health; replicas must not delete each other's.
    private readonly ResponderOptions _responderTemplate = new()
    {
        RegisterIdent = false,
        AnswerHealth = true,
        ErrorPolicy = options.Value.ErrorPolicy,
    };

    private volatile bool _stopping;

    /// <summary>Names this dispatcher in its acknowledgements.</summary>
    public string Name { get; } = $"{Environment.MachineName}-pid-{Environment.ProcessId}";

    /// <summary>Reacts to an announcement: the node is re-read and applied.</summary>
    public Task OnChangeAsync(RegistryChange change) =>
        ApplyAsync(change.Id, change.Kind == RegistryChange.Removed ? change.Revision : null);

    /// <summary>Re-applies every registered node and every node held here (heals missed announcements).</summary>
    public async Task ReconcileAllAsync()
    {
        var ids = new HashSet<string>(_nodes.Keys, StringComparer.Ordinal);
        // Through the memory: a Redis that came back empty gets the registry back before it is read.
        foreach (var node in await _memory.ListAsync()) ids.Add(node.Id);
        var applies = new List<Task>(ids.Count);
        foreach (var id in ids) applies.Add(ApplyAsync(id));
        await Task.WhenAll(applies);
    }

    /// <summary>
    /// Applies the latest stored state of node <paramref name="id"/>. <paramref name="removedRevision"/> is the
    /// revision a removal announcement carried: a removal is acknowledged with that revision + 1.
    /// </summary>
    public async Task ApplyAsync(string id, long? removedRevision = null)
    {
        while (!_stopping)
        {
            var state = _nodes.GetOrAdd(id, static (id, self) => new NodeApplyState(new ProxiedNode(id, self._redis,
                self._delivery, self._telemetry, self._groups, self._responderTemplate, self._loggers.CreateLogger<ProxiedNode>())), this);
            if (removedRevision is { } removed) state.Removed(removed);
            if (!state.TryQueue()) return;

            await state.EnterQueuedAsync();
            try
            {
                if (state.Retired) continue;
                if (_stopping) return;
                await ApplyLatestAsync(state);
                return;
            }
            finally
            {
                state.Exit();
            }
        }
    }

    /// <summary>
    /// Graceful shutdown: no more applies; every node's Responder stops taking messages and unsubscribes, and
    /// in-flight deliveries finish (bounded by their timeouts, or by <paramref name="cancellationToken"/>).
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        await Task.WhenAll(_nodes.Values.Select(state => ReleaseOnStopAsync(state, cancellationToken)));
    }

    private async Task ApplyLatestAsync(NodeApplyState state)
    {
        var node = state.Node;
        // Through the memory: a node missing because Redis came back empty is put back, not taken off the bus.
        var stored = await _memory.GetAsync(node.Id);
        if (stored is not null) state.Saw(stored.Revision);
        long revision;
        if (stored is { Status: NodeStatus.Ok })
        {
            await node.SyncAsync(stored);
            revision = stored.Revision;
        }
        else
        {
            // Not ok, or gone: off the bus. A running delivery finishes and replies before this returns.
            await node.ReleaseAsync(stored);
            revision = stored?.Revision ?? state.RemovalRevision();
            if (stored is null)
            {
                state.Retire();
                _nodes.TryRemove(new KeyValuePair<string, NodeApplyState>(node.Id, state));
            }
        }

        if (!state.Unacknowledged(revision)) return;
        await _applied.PublishAsync(new SubscriptionsApplied(node.Id, revision, Name));
        state.Acknowledged(revision);
        LogApplied(node.Id, revision, stored?.Status.ToWire() ?? "deleted");
    }

    private async Task ReleaseOnStopAsync(NodeApplyState state, CancellationToken cancellationToken)
    {
        var node = state.Node;
        try
        {
            await state.EnterAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            await node.ReleaseAsync(null, draining: true).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStopFailed(e, node.Id);
        }
        catch (OperationCanceledException)
        {
            // Drain time is up: the process exits with the delivery still running.
        }
        finally
        {
            state.Exit();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId} revision {Revision} applied ({Status})")]
    private partial void LogApplied(string nodeId, long revision, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} did not stop cleanly")]
    private partial void LogStopFailed(Exception exception, string nodeId);
}
