namespace Gilmour.ControlApi.Errors;

/// <summary>A reply for a delivery that ended without it: the requester already has its answer.</summary>
public sealed class DeliveryGoneException(string message) : Exception(message);
