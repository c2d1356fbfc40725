using Gilmour.Requests;
using Gilmour.Responding;

namespace Gilmour.Dispatcher;

/// <summary>
/// The handler a node's Responder calls for one of the node's subscriptions, and the whole way a message takes
/// through the dispatcher, in order: the Responder of node N receives it (a grouped one only once N has won the
/// Gilmour exclusion lock for it); the route asks the <see cref="ExclusionGroups"/> for the member M of N's group on
/// this dispatcher that delivers it (M may be N or another node); M's <see cref="NodeCapacity"/> admits it under
/// max_concurrency; <see cref="NodeDelivery"/> posts it to M over HTTP, or <see cref="StreamDelivery"/> hands it down
/// M's stream; M's answer is what N's Responder replies.
/// </summary>
public sealed class SubscriptionRoute(ProxiedNode lockWinner, NodeSubscription subscription, ExclusionGroups groups, NodeDelivery delivery)
{
    /// <summary>The node whose Responder holds the subscription and takes the exclusion lock (an ungrouped slot has none).</summary>
    public ProxiedNode LockWinner { get; } = lockWinner;

    public NodeSubscription Subscription { get; } = subscription;

    /// <summary>A request to the service: delivered to the member the group picks, whose answer is the reply.</summary>
    public Task<Reply> RequestAsync(IncomingMessage message, CancellationToken timeout)
    {
        var member = groups.Pick(LockWinner, Subscription);
        return delivery.RequestAsync(member.Node, member.Subscription, message, timeout);
    }

    /// <summary>A signal to the slot: delivered to the member the group picks.</summary>
    public Task SignalAsync(IncomingMessage message, CancellationToken timeout)
    {
        var member = groups.Pick(LockWinner, Subscription);
        return delivery.SignalAsync(member.Node, member.Subscription, message, timeout);
    }
}
