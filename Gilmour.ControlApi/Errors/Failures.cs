namespace Gilmour.ControlApi.Errors;

// The domain failures of the control API. Each carries the message of its {status} answer; the one mapping from
// failure to HTTP status is ErrorMapping.

/// <summary>The node id names no registered node (also: an id that is not even a UUID).</summary>
public sealed class NodeNotFound(string id) : Exception($"node {id} not found")
{
    public string Id { get; } = id;
}

/// <summary>The node holds this subscription already, or one that could never run beside it.</summary>
public sealed class DuplicateSubscription(string message) : Exception(message);

/// <summary>A DELETE of slots or services matched none of the node's subscriptions.</summary>
public sealed class SubscriptionNotFound(string message) : Exception(message);

/// <summary>A registration named a callback host that the operator's allow-list does not permit.</summary>
public sealed class HostNotAllowed(string host) : Exception(
    $"host '{host}' is not in Gilmour:ControlApi:AllowedNodeHosts: the proxy calls a node back only at the address "
    + "the registration came from, unless the operator allow-lists another host")
{
    public string Host { get; } = host;
}

/// <summary>The health pre-check of a registering or re-activated node failed; nothing was changed.</summary>
public sealed class HealthCheckFailed(Uri address, string reason) : Exception($"health check of {address} failed: {reason}");

/// <summary>Only a node whose status is ok may publish requests and signals.</summary>
public sealed class PublishingRefused(string id, string status) : Exception($"node {id} is {status}: publishing refused");

/// <summary>No dispatcher acknowledged the new node's subscriptions in time; the registration was rolled back.</summary>
public sealed class SubscriptionsNotReady(TimeSpan waited) : Exception(
    $"no dispatcher made the subscriptions live within {waited.TotalSeconds:0.###} s; registration rolled back");

/// <summary>Input that passed JSON binding and validation but still cannot be used (a bad composition, for one).</summary>
public sealed class InvalidInput(string message) : Exception(message);
