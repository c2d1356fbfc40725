namespace Gilmour.Core.Tests.Support;

/// <summary>A clock stopped at one instant, so report timestamps can be compared byte for byte.</summary>
public sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
