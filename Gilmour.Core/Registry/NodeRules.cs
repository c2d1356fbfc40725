using Gilmour.Protocol;

namespace Gilmour.Registry;

/// <summary>
/// The rules every stored <see cref="Node"/> obeys, whoever writes it. The ControlApi turns a broken rule into a
/// 400 before writing; <see cref="NodeRegistry"/> refuses to store a node that breaks one (a writer's bug), so the
/// Dispatcher and HealthMonitor can rely on them. Each check returns a message for the client, or null when fine.
/// </summary>
public static class NodeRules
{
    public const int MinPort = 1;
    public const int MaxPort = 65535;

    public static string? CheckSlot(Subscription slot) => CheckSubscription(slot, "slot");

    /// <summary>A service is a reply handler: its group is mandatory and its topic may not be a wildcard.</summary>
    public static string? CheckService(Subscription service)
    {
        if (CheckSubscription(service, "service") is { } problem) return problem;
        if (service.Group is null) return $"service '{service.Topic}' needs an exclusion group";
        if (Channels.IsPattern(service.Topic)) return $"service topic '{service.Topic}' may not be a wildcard (only slots may)";
        return null;
    }

    /// <summary>A path the proxy appends to http://host:port: absolute, without spaces or control characters.</summary>
    public static string? CheckPath(string? path, string what)
    {
        if (string.IsNullOrEmpty(path)) return $"{what} is missing";
        if (path[0] != '/') return $"{what} '{path}' must start with '/'";
        foreach (var c in path)
            if (char.IsWhiteSpace(c) || char.IsControl(c)) return $"{what} '{path}' may not contain spaces or control characters";
        return null;
    }

    /// <summary>Every rule of a whole node, including that no subscription is held twice.</summary>
    public static string? Check(Node node)
    {
        if (string.IsNullOrWhiteSpace(node.Id)) return "node id is missing";
        if (string.IsNullOrWhiteSpace(node.Ident)) return $"node {node.Id}: health ident is missing";
        if (CheckAddress(node) is { } badAddress) return $"node {node.Id}: {badAddress}";
        if (node.MaxConcurrency is <= 0) return $"node {node.Id}: max_concurrency must be positive";
        if (node.Revision < 1) return $"node {node.Id}: revision must be at least 1";
        if (node.Slots is null || node.Services is null) return $"node {node.Id}: slots and services must be lists";

        // Sets, not pairwise comparison: a registration may carry thousands of subscriptions.
        var slots = new HashSet<(string, string?, string)>();
        foreach (var slot in node.Slots)
        {
            if (CheckSlot(slot) is { } problem) return $"node {node.Id}: {problem}";
            if (!slots.Add((slot.Topic, slot.Group, slot.Path))) return $"node {node.Id}: {Describe(slot, "slot")} is held twice";
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
        if (string.IsNullOrWhiteSpace(node.Host)) return "host is missing";
        if (node.Port is < MinPort or > MaxPort) return $"port {node.Port} is not in {MinPort}..{MaxPort}";
        return CheckPath(node.HealthCheck, "health_check");
    }

    /// <exception cref="ArgumentException">the node breaks a rule.</exception>
    public static void Ensure(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Check(node) is { } problem) throw new ArgumentException(problem, nameof(node));
    }

    private static string? CheckSubscription(Subscription subscription, string kind)
    {
        if (subscription is null) return $"a {kind} is null";
        if (string.IsNullOrWhiteSpace(subscription.Topic)) return $"{kind} topic is missing";
        if (subscription.Group is { } group && string.IsNullOrWhiteSpace(group))
            return $"{kind} '{subscription.Topic}': group, when given, may not be empty";
        if (CheckPath(subscription.Path, $"{kind} '{subscription.Topic}' path") is { } badPath) return badPath;
        if (subscription.Timeout <= 0) return $"{kind} '{subscription.Topic}': timeout must be a positive number of seconds";
        return null;
    }

    private static string Describe(Subscription subscription, string kind) =>
        $"{kind} '{subscription.Topic}' (group '{subscription.Group}', path '{subscription.Path}')";
}
