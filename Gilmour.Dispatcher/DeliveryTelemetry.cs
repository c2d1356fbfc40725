using System.Diagnostics;
using System.Diagnostics.Metrics;
using Gilmour.Registry;
using Gilmour.Responding;

namespace Gilmour.Dispatcher;

/// <summary>
/// The delivery span and metrics. A message carrying a <c>traceparent</c> (one the ControlApi published) continues
/// that trace; one without it (a native Go or Ruby peer) starts a trace here. Attribute names follow the
/// OpenTelemetry messaging semantic conventions; Gilmour's own are under <c>gilmour.*</c>.
/// </summary>
public sealed class DeliveryTelemetry
{
    public const string SourceName = "Gilmour.Dispatcher";

    public const string Deliveries = "gilmour.deliveries";
    public const string InFlightDeliveries = "gilmour.deliveries.in_flight";

    /// <summary>Values of <c>gilmour.delivery.outcome</c>: the node answered (whatever its status), or not in time, or not at all.</summary>
    public const string Answered = "ok";
    public const string TimedOut = "timeout";
    public const string Unreachable = "unreachable";
    public const string LostLock = "lost_lock";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly Counter<long> _delivered;
    private readonly UpDownCounter<long> _inFlight;

    public DeliveryTelemetry(IMeterFactory meters)
    {
        var meter = meters.Create(SourceName);
        _delivered = meter.CreateCounter<long>(Deliveries, "{delivery}",
            "Messages handed to proxied nodes, by node and outcome (ok, timeout, unreachable; lost_lock: another member of the exclusion group took it)");
        _inFlight = meter.CreateUpDownCounter<long>(InFlightDeliveries, "{delivery}",
            "Deliveries to proxied nodes waiting for the node's answer");
    }

    /// <param name="address">where a callback node is called; null for a node that dials out.</param>
    public static Activity? Start(ProxiedNode node, Subscription subscription, Uri? address, IncomingMessage message)
    {
        if (!Source.HasListeners()) return null;
        // A Responder that already runs in an activity keeps it; otherwise the message's own context is the parent.
        ActivityContext parent = default;
        if (Activity.Current is null && message.Message.Traceparent is { } traceparent)
            ActivityContext.TryParse(traceparent, null, out parent);
        var activity = Source.StartActivity("deliver " + message.Topic, ActivityKind.Consumer, parent);
        if (activity is null) return null;
        activity.SetTag("messaging.system", "gilmour");
        activity.SetTag("messaging.operation.name", "process");
        activity.SetTag("messaging.destination.name", message.Topic);
        activity.SetTag("gilmour.topic", message.Topic);
        activity.SetTag("gilmour.sender", message.Message.Sender);
        activity.SetTag("gilmour.group", subscription.Group);
        activity.SetTag("gilmour.node.id", node.Id);
        if (address is not null) activity.SetTag("url.full", address.ToString());
        else activity.SetTag("gilmour.transport", "stream");
        return activity;
    }

    public void Entered(ProxiedNode node) => _inFlight.Add(1, new KeyValuePair<string, object?>("gilmour.node.id", node.Id));

    public void Left(ProxiedNode node) => _inFlight.Add(-1, new KeyValuePair<string, object?>("gilmour.node.id", node.Id));

    /// <summary>
    /// The node's Responder saw a grouped message another member of the group won (a native peer, a node on another
    /// dispatcher, or a node of this dispatcher whose Responder asked first). No delivery span: nothing was delivered.
    /// </summary>
    public void LockLost(ProxiedNode node, IncomingMessage message) => _delivered.Add(1, new TagList
    {
        { "gilmour.node.id", node.Id },
        { "gilmour.delivery.outcome", LostLock },
        { "gilmour.topic", message.Topic },
    });

    /// <param name="code">The node's HTTP status, or the code replied in its place (499, 502).</param>
    public void Record(Activity? activity, ProxiedNode node, string outcome, int code)
    {
        activity?.SetTag("gilmour.delivery.outcome", outcome);
        activity?.SetTag("gilmour.code", code);
        if (outcome != Answered || code >= 300) activity?.SetStatus(ActivityStatusCode.Error, $"{outcome}, code {code}");
        _delivered.Add(1, new TagList
        {
            { "gilmour.node.id", node.Id },
            { "gilmour.delivery.outcome", outcome },
        });
    }
}
