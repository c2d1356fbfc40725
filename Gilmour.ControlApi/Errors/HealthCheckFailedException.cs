namespace Gilmour.ControlApi.Errors;

/// <summary>The health pre-check of a registering or re-activated node failed; nothing was changed.</summary>
public sealed class HealthCheckFailedException(Uri address, string reason) : Exception($"health check of {address} failed: {reason}");
