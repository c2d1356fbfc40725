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

/// <summary>A stream was asked for a node that does not dial out (its transport is callback or none).</summary>
public sealed class StreamNotAllowed(string id, string transport) : Exception(
    $"node {id} uses transport {transport}: only a node registered with transport stream opens a stream");

/// <summary>A stream node becomes ok by opening its stream, not by activation.</summary>
public sealed class ActivatedByStream(string id) : Exception(
    $"node {id} dials out: it is ok while its stream is open, so open GET /nodes/{id}/stream instead of activating it");

/// <summary>This control API replica is stopping and takes no new stream; another replica will.</summary>
public sealed class ShuttingDown() : Exception("this control API is shutting down: open the stream again (another replica takes it)");

/// <summary>A reply for a delivery the node never got, or already answered (or answered long after it ended).</summary>
public sealed class DeliveryNotFound(string id, string delivery) : Exception(
    $"node {id} has no delivery {delivery} awaiting its reply: it was never sent to this node, or was answered already");

/// <summary>A reply for a delivery that ended without it: the requester already has its answer.</summary>
public sealed class DeliveryGone(string message) : Exception(message);
