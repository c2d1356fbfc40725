namespace Gilmour.ControlApi.Errors;

/// <summary>The node holds this subscription already, or one that could never run beside it.</summary>
public sealed class DuplicateSubscriptionException(string message) : Exception(message);
