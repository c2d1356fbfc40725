using Gilmour.Registry;
using Gilmour.Responding;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// The dispatcher's side of one registered node: while the node is ok, a Gilmour Responder of its own (so health
/// tools see the node as a Gilmour process under its ident) holding the node's subscriptions; its concurrency cap.
/// <see cref="SyncAsync"/> and <see cref="ReleaseAsync"/> run under <see cref="ApplyGate"/>, one apply of a node at a
/// time; <see cref="EnterAsync"/> and <see cref="Exit"/> run on every delivery.
/// </summary>
public sealed partial class ProxiedNode(
    string id,
    IConnectionMultiplexer redis,
    NodeDelivery delivery,
    DeliveryTelemetry telemetry,
    ExclusionGroups groups,
    ResponderOptions responderTemplate,
    ILogger logger)
{
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly NodeDelivery _delivery = delivery;
    private readonly DeliveryTelemetry _telemetry = telemetry;
    private readonly ExclusionGroups _groups = groups;
    private readonly ResponderOptions _responderTemplate = responderTemplate;
    private readonly ILogger _logger = logger;
    private readonly Dictionary<NodeSubscription, IAsyncDisposable> _live = [];
    private readonly HashSet<NodeSubscription> _refused = [];
    private Responder? _responder;
    private volatile Node? _current;
    private volatile SemaphoreSlim? _concurrency;
    private int? _concurrencyLimit;
    private int _inFlight;
    private CancellationTokenSource _offBus = new();

    public string Id { get; } = id;

    /// <summary>The registration as last applied; deliveries read the node's address from it.</summary>
    public Node Current => _current ?? throw new InvalidOperationException($"node {Id} has not been applied yet");

    internal SemaphoreSlim ApplyGate { get; } = new(1, 1);

    /// <summary>1 while an apply waits for the gate: it will read the registry after any trigger that finds it so.</summary>
    internal int ApplyWaiting;

    /// <summary>Highest revision announced as removed (the announcement carries the last revision of the node).</summary>
    internal long RemovedRevision;

    /// <summary>The last revision this dispatcher saw of the node, and the last one it acknowledged.</summary>
    internal long KnownRevision { get; set; }

    internal long AcknowledgedRevision { get; set; }

    /// <summary>Set once the node is gone and this entry has left the table; a late trigger then starts afresh.</summary>
    internal bool Retired { get; set; }

    /// <summary>Deliveries to this node running now (its exclusion groups send the next message to the least busy).</summary>
    internal int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Fires when the node goes off the bus (not ok, or deleted) while deliveries to its stream wait for replies:
    /// they end at once with 502 instead of holding the node's next apply until their timeouts. Read it when a
    /// delivery starts; every stay on the bus has its own.
    /// </summary>
    internal CancellationToken OffBus => Volatile.Read(ref _offBus).Token;

    /// <summary>
    /// Makes the node's Redis subscriptions match <paramref name="node"/> (status ok) as a diff: unchanged ones stay
    /// subscribed, removed ones go, added ones come.
    /// </summary>
    internal async Task SyncAsync(Node node)
    {
        _current = node;
        KnownRevision = node.Revision;
        if (_concurrency is null ? node.MaxConcurrency is not null : node.MaxConcurrency != _concurrencyLimit)
        {
            // Deliveries holding a place in the old cap release it there; new ones queue on the new cap.
            _concurrency = node.MaxConcurrency is { } limit ? new SemaphoreSlim(limit, limit) : null;
            _concurrencyLimit = node.MaxConcurrency;
        }

        if (_responder is null)
        {
            // A new stay on the bus. The last one's source is left undisposed: deliveries of that stay hold its token.
            if (_offBus.IsCancellationRequested) Volatile.Write(ref _offBus, new CancellationTokenSource());
            var responder = new Responder(_redis, _responderTemplate with
            {
                Ident = node.Ident,
                LockLost = (message, _) => _telemetry.LockLost(this, message),
            }, _logger);
            try
            {
                await responder.StartAsync();
            }
            catch
            {
                await responder.StopAsync();
                throw;
            }
            _responder = responder;
            LogLive(Id, node.Ident);
        }

        var desired = new HashSet<NodeSubscription>(node.Services.Count + node.Slots.Count);
        foreach (var service in node.Services) desired.Add(new(SubscriptionKind.Service, service));
        foreach (var slot in node.Slots) desired.Add(new(SubscriptionKind.Slot, slot));
        _refused.IntersectWith(desired);

        // Removals first: a service whose path or timeout changed keeps its topic and group, and a Responder holds
        // one handler per topic and group.
        foreach (var (subscription, handle) in _live.ToArray())
        {
            if (desired.Contains(subscription)) continue;
            _groups.Leave(this, subscription);
            await handle.DisposeAsync();
            _live.Remove(subscription);
            LogUnsubscribed(Id, subscription.Kind, subscription.Subscription.Topic, subscription.Subscription.Path);
        }
        foreach (var subscription in desired)
        {
            if (_live.ContainsKey(subscription) || _refused.Contains(subscription)) continue;
            try
            {
                _live.Add(subscription, await SubscribeAsync(_responder, subscription));
                _groups.Join(this, subscription);
                LogSubscribed(Id, subscription.Kind, subscription.Subscription.Topic, subscription.Subscription.Path);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // A registration the Responder cannot hold (the ControlApi refuses these, so it was written by
                // something else): the node's other subscriptions still go live; this one is not retried.
                _refused.Add(subscription);
                LogRefused(e, Id, subscription.Kind, subscription.Subscription.Topic);
            }
        }
    }

    /// <summary>
    /// Takes the node off the bus: its Responder unsubscribes everything and stops answering health pings; in-flight
    /// deliveries finish and reply first. Unless <paramref name="draining"/> (the dispatcher stopping, with the node
    /// still ok), deliveries waiting on the node's stream end at once (<see cref="OffBus"/>).
    /// </summary>
    internal async Task ReleaseAsync(Node? node, bool draining = false)
    {
        if (node is not null)
        {
            _current = node;
            KnownRevision = node.Revision;
        }
        if (_responder is not { } responder) return;
        _responder = null;
        if (!draining) await _offBus.CancelAsync();
        foreach (var subscription in _live.Keys) _groups.Leave(this, subscription);
        _live.Clear();
        _refused.Clear();
        await responder.StopAsync();
        LogReleased(Id, node?.Status.ToWire() ?? "deleted");
    }

    /// <summary>
    /// Counts a delivery in, and waits for a free place under the node's max_concurrency; returns the cap to release
    /// (null when the node has none). Pair with <see cref="Exit"/>.
    /// </summary>
    internal async ValueTask<SemaphoreSlim?> EnterAsync(CancellationToken timeout)
    {
        Interlocked.Increment(ref _inFlight);
        var concurrency = _concurrency;
        if (concurrency is null) return null;
        try
        {
            await concurrency.WaitAsync(timeout);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
        return concurrency;
    }

    internal void Exit(SemaphoreSlim? place)
    {
        place?.Release();
        Interlocked.Decrement(ref _inFlight);
    }

    private Task<IAsyncDisposable> SubscribeAsync(Responder responder, NodeSubscription subscription)
    {
        var s = subscription.Subscription;
        var timeout = TimeSpan.FromSeconds(s.Timeout);
        // A stream node's request timeout is enforced by the delivery itself (StreamDelivery explains the grace).
        var replyTimeout = Current.Transport == NodeTransport.Stream ? timeout + StreamDelivery.ReplyGrace : timeout;
        return subscription.Kind == SubscriptionKind.Service
            ? responder.ReplyAsync(s.Topic, s.Group ?? "", (message, token) =>
            {
                var member = _groups.Pick(this, subscription);
                return _delivery.RequestAsync(member.Node, member.Subscription, message, token);
            }, replyTimeout)
            : responder.SlotAsync(s.Topic, s.Group, (message, token) =>
            {
                var member = _groups.Pick(this, subscription);
                return _delivery.SignalAsync(member.Node, member.Subscription, message, token);
            }, timeout);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} is live on the bus as {Ident}")]
    private partial void LogLive(string nodeId, string ident);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} is off the bus ({Status})")]
    private partial void LogReleased(string nodeId, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} subscribed {Kind} {Topic} -> {Path}")]
    private partial void LogSubscribed(string nodeId, SubscriptionKind kind, string topic, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} unsubscribed {Kind} {Topic} -> {Path}")]
    private partial void LogUnsubscribed(string nodeId, SubscriptionKind kind, string topic, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "Node {NodeId}: the {Kind} on {Topic} cannot be subscribed")]
    private partial void LogRefused(Exception exception, string nodeId, SubscriptionKind kind, string topic);
}
