using Gilmour.ControlApi.Errors;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Registration;

/// <summary>A node's slots or services, by <see cref="SubscriptionKind"/>: read, add to, remove from.</summary>
public static class SubscriptionKinds
{
    public static IReadOnlyList<Subscription> Of(this SubscriptionKind kind, Node node) =>
        kind == SubscriptionKind.Slot ? node.Slots : node.Services;

    public static Node With(this SubscriptionKind kind, Node node, IReadOnlyList<Subscription> subscriptions) =>
        kind == SubscriptionKind.Slot ? node with { Slots = subscriptions } : node with { Services = subscriptions };

    /// <summary>The node with <paramref name="added"/> appended.</summary>
    /// <exception cref="DuplicateSubscriptionException">the node holds it, or a service it could never run beside.</exception>
    public static Node Adding(this SubscriptionKind kind, Node node, Subscription added)
    {
        var held = kind.Of(node);
        foreach (var subscription in held)
            if (NodeRules.Clash(kind, subscription, added) is { } clash)
                throw new DuplicateSubscriptionException($"node {node.Id} already holds {NodeRules.Describe(kind, subscription)}: {clash}");
        return kind.With(node, [.. held, added]);
    }

    /// <summary>The node without its subscriptions on <paramref name="topic"/> (only the one at <paramref name="path"/> when given).</summary>
    /// <exception cref="SubscriptionNotFoundException">nothing matched.</exception>
    public static Node Removing(this SubscriptionKind kind, Node node, string topic, string? path)
    {
        var held = kind.Of(node);
        var kept = held.Where(s => s.Topic != topic || (path is not null && s.Path != path)).ToList();
        if (kept.Count == held.Count)
            throw new SubscriptionNotFoundException(path is null
                ? $"node {node.Id} has no {kind.Noun()} on topic '{topic}'"
                : $"node {node.Id} has no {kind.Noun()} on topic '{topic}' with path '{path}'");
        return kind.With(node, kept);
    }
}
