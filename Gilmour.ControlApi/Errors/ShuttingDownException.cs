namespace Gilmour.ControlApi.Errors;

/// <summary>This control API replica is stopping and takes no new stream; another replica will.</summary>
public sealed class ShuttingDownException() : Exception("this control API is shutting down: open the stream again (another replica takes it)");
