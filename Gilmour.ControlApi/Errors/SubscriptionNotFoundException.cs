namespace Gilmour.ControlApi.Errors;

/// <summary>A DELETE of slots or services matched none of the node's subscriptions.</summary>
public sealed class SubscriptionNotFoundException(string message) : Exception(message);
