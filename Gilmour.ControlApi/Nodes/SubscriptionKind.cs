using Gilmour.ControlApi.Errors;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Nodes;

/// <summary>Slots take signals (topic may be a wildcard, group optional); services answer requests.</summary>
public enum SubscriptionKind
{
    Slot,
    Service,
}

public static class SubscriptionKinds
{
    public static string Noun(this SubscriptionKind kind) => kind == SubscriptionKind.Slot ? "slot" : "service";

    public static IReadOnlyList<Subscription> Of(this SubscriptionKind kind, Node node) =>
        kind == SubscriptionKind.Slot ? node.Slots : node.Services;

    public static Node With(this SubscriptionKind kind, Node node, IReadOnlyList<Subscription> subscriptions) =>
        kind == SubscriptionKind.Slot ? node with { Slots = subscriptions } : node with { Services = subscriptions };

    /// <summary>The rule of NodeRules for one subscription of this kind: a message, or null when fine.</summary>
    public static string? Check(this SubscriptionKind kind, Subscription subscription) =>
        kind == SubscriptionKind.Slot ? NodeRules.CheckSlot(subscription) : NodeRules.CheckService(subscription);

    /// <summary>Why a node holding <paramref name="held"/> may not also hold <paramref name="added"/>; null when it may.</summary>
    public static string? Conflict(this SubscriptionKind kind, Subscription held, Subscription added)
    {
        if (held.SameAs(added))
            return $"already has a {kind.Noun()} on topic '{added.Topic}' with {GroupText(added.Group)} and path '{added.Path}'";
        if (kind == SubscriptionKind.Service && held.SameExclusionGroupAs(added))
            return $"already serves topic '{added.Topic}' in exclusion group '{added.Group}' at path '{held.Path}': two "
                + "handlers of one exclusion group on one node could never both run (the group lock gives each request to "
                + "one member, and the node is one member)";
        return null;
    }

    private static string GroupText(string? group) => group is null ? "no group" : $"group '{group}'";

    /// <summary>The node with <paramref name="added"/> appended.</summary>
    /// <exception cref="DuplicateSubscription">the node holds it, or a service it could never run beside.</exception>
    public static Node Adding(this SubscriptionKind kind, Node node, Subscription added)
    {
        var held = kind.Of(node);
        foreach (var subscription in held)
            if (kind.Conflict(subscription, added) is { } conflict)
                throw new DuplicateSubscription($"node {node.Id} {conflict}");
        return kind.With(node, [.. held, added]);
    }

    /// <summary>The node without its subscriptions on <paramref name="topic"/> (only the one at <paramref name="path"/> when given).</summary>
    /// <exception cref="SubscriptionNotFound">nothing matched.</exception>
    public static Node Removing(this SubscriptionKind kind, Node node, string topic, string? path)
    {
        var held = kind.Of(node);
        var kept = held.Where(s => s.Topic != topic || (path is not null && s.Path != path)).ToList();
        if (kept.Count == held.Count)
            throw new SubscriptionNotFound(path is null
                ? $"node {node.Id} has no {kind.Noun()} on topic '{topic}'"
                : $"node {node.Id} has no {kind.Noun()} on topic '{topic}' with path '{path}'");
        return kind.With(node, kept);
    }
}
