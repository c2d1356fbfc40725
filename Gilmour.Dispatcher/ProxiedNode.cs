using Gilmour.Registry;
using Gilmour.Responding;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// The dispatcher's side of one registered node: while the node is ok, a Gilmour Responder of its own (so health
/// tools see the node as a Gilmour process under its ident) holding the node's subscriptions, each handled by a
/// <see cref="SubscriptionRoute"/> and joined to its exclusion group; and the node's <see cref="Capacity"/>, which
/// every delivery to it enters. <see cref="SyncAsync"/> and <see cref="ReleaseAsync"/> are called by one apply of the
/// node at a time (<see cref="NodeSubscriptions"/>).
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
    private CancellationTokenSource _offBus = new();

    public string Id { get; } = id;

    /// <summary>The registration as last applied; deliveries read the node's address from it.</summary>
    public Node Current => _current ?? throw new InvalidOperationException($"node {Id} has not been applied yet");

    /// <summary>The deliveries to this node running now, under its max_concurrency.</summary>
    public NodeCapacity Capacity { get; } = new();

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
        Capacity.Limit(node.MaxConcurrency);

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
        if (node is not null) _current = node;
        if (_responder is not { } responder) return;
        _responder = null;
        if (!draining) await _offBus.CancelAsync();
        foreach (var subscription in _live.Keys) _groups.Leave(this, subscription);
        _live.Clear();
        _refused.Clear();
        await responder.StopAsync();
        LogReleased(Id, node?.Status.ToWire() ?? "deleted");
    }

    private Task<IAsyncDisposable> SubscribeAsync(Responder responder, NodeSubscription subscription)
    {
        var s = subscription.Subscription;
        var timeout = TimeSpan.FromSeconds(s.Timeout);
        // A stream node's request timeout is enforced by the delivery itself (StreamDelivery explains the grace).
        var replyTimeout = Current.Transport == NodeTransport.Stream ? timeout + StreamDelivery.ReplyGrace : timeout;
        var route = new SubscriptionRoute(this, subscription, _groups, _delivery);
        return subscription.Kind == SubscriptionKind.Service
            ? responder.ReplyAsync(s.Topic, s.Group ?? "", route.RequestAsync, replyTimeout)
            : responder.SlotAsync(s.Topic, s.Group, route.SignalAsync, timeout);
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
