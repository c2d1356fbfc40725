namespace Gilmour.ControlApi.Errors;

/// <summary>A reply for a delivery the node never got, or already answered (or answered long after it ended).</summary>
public sealed class DeliveryNotFoundException(string id, string delivery) : Exception(
    $"node {id} has no delivery {delivery} awaiting its reply: it was never sent to this node, or was answered already");
