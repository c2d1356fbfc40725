using Gilmour.Registry;

namespace Gilmour.Dispatcher;

public enum SubscriptionKind
{
    /// <summary>A reply handler on gilmour.request.&lt;topic&gt;: the node's answer is the reply.</summary>
    Service,

    /// <summary>A slot on gilmour.slot.&lt;topic&gt; (a pattern when the topic has '*'): no reply.</summary>
    Slot,
}

/// <summary>
/// One subscription of a node as the dispatcher holds it. Two revisions of a node that both hold an equal one keep
/// it subscribed across the change (unsubscribing and subscribing again would drop messages in between).
/// </summary>
public readonly record struct NodeSubscription(SubscriptionKind Kind, Subscription Subscription);
