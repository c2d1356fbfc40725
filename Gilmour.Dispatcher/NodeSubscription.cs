using Gilmour.Registry;

namespace Gilmour.Dispatcher;

/// <summary>
/// One subscription of a node as the dispatcher holds it. Two revisions of a node that both hold an equal one keep
/// it subscribed across the change (unsubscribing and subscribing again would drop messages in between).
/// </summary>
public readonly record struct NodeSubscription(SubscriptionKind Kind, Subscription Subscription);
