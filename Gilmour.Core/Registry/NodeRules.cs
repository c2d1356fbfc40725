using Gilmour.Protocol;

namespace Gilmour.Registry;

/// <summary>
/// The rules every <see cref="Node"/> and its subscriptions obey, in one place. The ControlApi's validators apply the
/// field rules to what a client sends (a broken one is a 400 naming the field); <see cref="NodeRegistry"/> refuses
/// to store a node that breaks any rule (a writer's bug), so the Dispatcher and HealthMonitor can rely on them.
/// </summary>
/// <remarks>
/// A field rule returns what is wrong with one value, worded to follow the field's name ("must start with '/'"), or
/// null when the value is fine. The node rules (<see cref="Check"/>) return a whole sentence that names the node and
/// the subscription.
/// </remarks>
public static class NodeRules
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;
    public const int MaxTopicLength = 1024;
    public const int MaxPathLength = 2048;

    /// <summary>The problem of a value that is absent, empty or blank.</summary>
    public const string Missing = "is missing";

    /// <summary>A slot topic may be a Redis pattern ('*' anywhere); a service topic may not.</summary>
    public static string? TopicProblem(string? topic, SubscriptionKind kind)
    {
        if (string.IsNullOrWhiteSpace(topic)) return Missing;
        if (topic.Length > MaxTopicLength) return $"may not be longer than {MaxTopicLength} characters";
        if (topic.Any(char.IsControl)) return "may not contain control characters";
        if (kind == SubscriptionKind.Service && Channels.IsPattern(topic)) return "may not be a wildcard (only slots may use '*')";
        return null;
    }

    /// <summary>
    /// The exclusion group as a client gives it: a service needs one; for a slot, absent or empty means none.
    /// </summary>
    public static string? GroupProblem(string? group, SubscriptionKind kind)
    {
        if (string.IsNullOrEmpty(group))
            return kind == SubscriptionKind.Service ? $"{Missing} (a service needs an exclusion group)" : null;
        if (string.IsNullOrWhiteSpace(group)) return "may not be blank";
        if (group.Length > MaxTopicLength) return $"may not be longer than {MaxTopicLength} characters";
        if (group.Any(char.IsControl)) return "may not contain control characters";
        return null;
    }

    /// <summary>A path on the node: the proxy calls <c>http://host:port</c> followed by it.</summary>
    public static string? PathProblem(string? path)
    {
        if (string.IsNullOrEmpty(path)) return Missing;
        if (path.Length > MaxPathLength) return $"may not be longer than {MaxPathLength} characters";
        if (path[0] != '/') return "must start with '/'";
        foreach (var c in path)
            if (char.IsWhiteSpace(c) || char.IsControl(c)) return "may not contain spaces or control characters";
        // A fragment is never sent to a server: the node would be called at another path than the one registered.
        if (path.Contains('#')) return "may not contain '#'";
        if (!Uri.TryCreate("http://node" + path, UriKind.Absolute, out var uri) || uri.Host != "node")
            return "is not a valid URL path";
        return null;
    }

    /// <summary>A subscription's timeout in seconds; absent means Gilmour's default.</summary>
    public static string? TimeoutProblem(int? timeout) =>
        timeout is <= 0 ? "must be a positive number of seconds" : null;

    /// <summary>
    /// Why a node holding <paramref name="held"/> may not also hold <paramref name="added"/> of the same kind, worded
    /// to follow "it ..."; null when it may.
    /// </summary>
    public static string? Clash(SubscriptionKind kind, Subscription held, Subscription added)
    {
        if (held.SameAs(added)) return "it has the same topic, group and path";
        if (kind == SubscriptionKind.Service && held.SameExclusionGroupAs(added))
            return "it has the same topic and exclusion group, and two handlers of one exclusion group on one node could "
                + "never both run (the group lock gives each request to one member, and the node is one member)";
        return null;
    }

    /// <summary>A subscription as messages name it: <c>slot 't' (group 'g', path '/p')</c>.</summary>
    public static string Describe(SubscriptionKind kind, Subscription subscription) =>
        $"{kind.Noun()} '{subscription.Topic}' (group '{subscription.Group}', path '{subscription.Path}')";

    public static string? CheckSlot(Subscription slot) => Check(SubscriptionKind.Slot, slot);

    public static string? CheckService(Subscription service) => Check(SubscriptionKind.Service, service);

    /// <summary>Every field rule of one stored subscription, as a sentence naming it.</summary>
    public static string? Check(SubscriptionKind kind, Subscription subscription)
    {
        var noun = kind.Noun();
        if (subscription is null) return $"a {noun} is null";
        if (TopicProblem(subscription.Topic, kind) is { } badTopic) return $"{noun} {Field("topic", subscription.Topic, badTopic)}";
        var named = $"{noun} '{subscription.Topic}'";
        // Stored, "no group" is null: an empty group would mean no group to one reader and a group to another.
        if (subscription.Group is "") return $"{named}: group, when given, may not be empty";
        if (GroupProblem(subscription.Group, kind) is { } badGroup) return $"{named}: {Field("group", subscription.Group, badGroup)}";
        if (PathProblem(subscription.Path) is { } badPath) return $"{named}: {Field("path", subscription.Path, badPath)}";
        if (TimeoutProblem(subscription.Timeout) is { } badTimeout) return $"{named}: timeout {badTimeout}";
        return null;
    }

    /// <summary>Every rule of a whole node, including that no subscription is held twice.</summary>
    public static string? Check(Node node)
    {
        if (string.IsNullOrWhiteSpace(node.Id)) return "node id is missing";
        if (string.IsNullOrWhiteSpace(node.Ident)) return $"node {node.Id}: health ident {Missing}";
        if (CheckAddress(node) is { } badAddress) return $"node {node.Id}: {badAddress}";
        if (node.MaxConcurrency is <= 0) return $"node {node.Id}: max_concurrency must be positive";
        if (node.Revision < 1) return $"node {node.Id}: revision must be at least 1";
        if (node.Slots is null || node.Services is null) return $"node {node.Id}: slots and services must be lists";

        // Sets, not pairwise comparison: a registration may carry thousands of subscriptions.
        var slots = new HashSet<(string, string?, string)>();
        foreach (var slot in node.Slots)
        {
            if (CheckSlot(slot) is { } problem) return $"node {node.Id}: {problem}";
            if (!slots.Add((slot.Topic, slot.Group, slot.Path)))
                return $"node {node.Id}: {Describe(SubscriptionKind.Slot, slot)} is held twice";
        }
        var services = new HashSet<(string, string?)>();
        foreach (var service in node.Services)
        {
            if (CheckService(service) is { } problem) return $"node {node.Id}: {problem}";
            if (!services.Add((service.Topic, service.Group)))
                return $"node {node.Id}: two services on topic '{service.Topic}' in group '{service.Group}' " +
                    "(only one of them could ever take a request)";
        }
        return null;
    }

    /// <summary>
    /// A callback node has a host, a port and a health check; a node of another transport is never called, so it
    /// has none of them; a sender (transport none) serves nothing either.
    /// </summary>
    private static string? CheckAddress(Node node)
    {
        if (!Enum.IsDefined(node.Transport)) return $"transport {(int)node.Transport} is unknown";
        if (node.Transport != NodeTransport.Callback)
        {
            if (!string.IsNullOrEmpty(node.Host) || node.Port != 0 || !string.IsNullOrEmpty(node.HealthCheck))
                return $"a node with transport {node.Transport.ToWire()} is never called: it has no host, port or health_check";
            if (node.Transport == NodeTransport.None && (node.Slots is { Count: > 0 } || node.Services is { Count: > 0 }))
                return "a node with transport none is a sender: it serves nothing, so it holds no slots or services";
            return null;
        }
        if (string.IsNullOrWhiteSpace(node.Host)) return $"host {Missing}";
        if (node.Port is < MinPort or > MaxPort) return $"port {node.Port} is not in {MinPort}..{MaxPort}";
        return PathProblem(node.HealthCheck) is { } badHealthCheck ? Field("health_check", node.HealthCheck, badHealthCheck) : null;
    }

    /// <exception cref="ArgumentException">the node breaks a rule.</exception>
    public static void Ensure(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Check(node) is { } problem) throw new ArgumentException(problem, nameof(node));
    }

    /// <summary>"path '/a b' may not contain ...", or "path is missing" when there is no value to quote.</summary>
    private static string Field(string name, string? value, string problem) =>
        string.IsNullOrEmpty(value) || problem == Missing || value.Length > 80 || value.Any(char.IsControl) ? $"{name} {problem}" : $"{name} '{value}' {problem}";
}
