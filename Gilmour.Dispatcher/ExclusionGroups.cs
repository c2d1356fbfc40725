using System.Collections.Concurrent;
using Gilmour.Registry;

namespace Gilmour.Dispatcher;

/// <summary>
/// The nodes of this dispatcher that serve one topic in one exclusion group, so that a message the group lock gives
/// to this dispatcher goes to whichever of them is least busy: the <see cref="SubscriptionRoute"/> of the node whose
/// Responder won the lock asks <see cref="Pick"/> for the member to deliver to.
/// </summary>
/// <remarks>
/// Every node has its own Responder, and the Responders of one process see a message in the order they subscribed:
/// the first node's lock request always reaches Redis first, so without this the first node of a group would take
/// every message and the others none. The lock still decides, once per group across all processes, that this
/// dispatcher handles the message; this only picks which of its equal members delivers it. Members must agree on
/// the timeout too, since the lock winner's timeout bounds the delivery, and on the transport, since a stream
/// node's Responder waits a grace longer than its timeout (<see cref="StreamDelivery.ReplyGrace"/>).
/// </remarks>
public sealed class ExclusionGroups
{
    private readonly ConcurrentDictionary<Key, Members> _groups = new();

    /// <summary>The subscription went live on <paramref name="node"/>.</summary>
    public void Join(ProxiedNode node, NodeSubscription subscription)
    {
        if (KeyOf(node, subscription) is not { } key) return;
        var members = _groups.GetOrAdd(key, static _ => new Members());
        lock (members) members.Current = [.. members.Current, new Member(node, subscription.Subscription)];
    }

    /// <summary>The subscription left <paramref name="node"/>; it is picked no more.</summary>
    public void Leave(ProxiedNode node, NodeSubscription subscription)
    {
        if (KeyOf(node, subscription) is not { } key || !_groups.TryGetValue(key, out var members)) return;
        lock (members)
        {
            members.Current = Array.FindAll(members.Current, m => m.Node != node || m.Subscription != subscription.Subscription);
            if (members.Current.Length == 0) _groups.TryRemove(KeyValuePair.Create(key, members));
        }
    }

    /// <summary>
    /// The member to deliver a message to that <paramref name="lockWinner"/>'s Responder took: the one with the
    /// fewest deliveries running (<see cref="NodeCapacity.InFlight"/>), in turn among equals; the lock winner itself
    /// when it shares its group with nobody here.
    /// </summary>
    public Member Pick(ProxiedNode lockWinner, NodeSubscription subscription)
    {
        if (KeyOf(lockWinner, subscription) is not { } key || !_groups.TryGetValue(key, out var members)) return new(lockWinner, subscription.Subscription);
        var current = members.Current;
        if (current.Length <= 1) return new(lockWinner, subscription.Subscription);

        var start = (int)((uint)Interlocked.Increment(ref members.Turn) % (uint)current.Length);
        var best = current[start];
        for (var i = 1; i < current.Length; i++)
        {
            var candidate = current[(start + i) % current.Length];
            if (candidate.Node.Capacity.InFlight < best.Node.Capacity.InFlight) best = candidate;
        }
        return best;
    }

    /// <summary>Ungrouped slots are not shared: every node holding one gets every message.</summary>
    private static Key? KeyOf(ProxiedNode node, NodeSubscription subscription) =>
        subscription.Subscription.Group is { } group
            ? new Key(subscription.Kind, subscription.Subscription.Topic, group, subscription.Subscription.Timeout, node.Current.Transport)
            : null;

    /// <summary>The delivery target: a node of the group and its own subscription (its path may differ).</summary>
    public readonly record struct Member(ProxiedNode Node, Subscription Subscription);

    private readonly record struct Key(SubscriptionKind Kind, string Topic, string Group, int Timeout, NodeTransport Transport);

    private sealed class Members
    {
        // Replaced whole under the lock, read without it on every message.
        public volatile Member[] Current = [];
        public int Turn;
    }
}
