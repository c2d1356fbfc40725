namespace Gilmour.Responding;

/// <summary>How a handler ended: completed (<see cref="Handling"/> holds its finished task), timed out, or failed.</summary>
internal readonly record struct HandlerOutcome(Task? Handling, bool TimedOut, Exception? Failure)
{
    public static HandlerOutcome Completed(Task handling) => new(handling, false, null);
    public static readonly HandlerOutcome Expired = new(null, true, null);
    public static HandlerOutcome Failed(Exception failure) => new(null, false, failure);
}
