namespace Gilmour.ControlApi.Errors;

/// <summary>No dispatcher acknowledged the new node's subscriptions in time; the registration was rolled back.</summary>
public sealed class SubscriptionsNotReadyException(TimeSpan waited) : Exception(
    $"no dispatcher made the subscriptions live within {waited.TotalSeconds:0.###} s; registration rolled back");
