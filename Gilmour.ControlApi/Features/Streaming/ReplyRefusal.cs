using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Registration;
using Gilmour.Streaming;

namespace Gilmour.ControlApi.Features.Streaming;

/// <summary>Why a node's reply was not taken, worded for that node: one wording for a single reply and a batch.</summary>
public static class ReplyRefusal
{
    /// <summary>
    /// Null when <paramref name="deliveryId"/> has the form of the ids the proxy makes; otherwise the 404 a reply to it
    /// gets at once, since no delivery can have that id and Redis need not be asked.
    /// </summary>
    public static Exception? ForMalformed(string nodeId, string? deliveryId) =>
        StreamDeliveries.IsWellFormed(deliveryId) ? null : new DeliveryNotFoundException(nodeId, NodeIds.Printable(deliveryId));

    /// <summary>Null when the reply was delivered; otherwise the failure the node is answered with (404 or 410).</summary>
    public static Exception? For(ReplyOutcome outcome, string nodeId, string deliveryId) => outcome switch
    {
        ReplyOutcome.Delivered => null,
        ReplyOutcome.TimedOut => new DeliveryGoneException(
            $"delivery {deliveryId} timed out before node {nodeId} answered: its requester got 499"),
        ReplyOutcome.StreamClosed => new DeliveryGoneException(
            $"node {nodeId}'s stream closed before it answered delivery {deliveryId}: its requester got 502"),
        _ => new DeliveryNotFoundException(nodeId, deliveryId),
    };
}
