namespace Gilmour.Protocol;

/// <summary>The request and handler timeouts this library accepts: positive, or infinite, and within a timer's range.</summary>
internal static class Timeouts
{
    // The longest delay a CancellationTokenSource can be armed with (about 49 days).
    private static readonly TimeSpan Longest = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static void ThrowIfInvalid(TimeSpan timeout, string parameter)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return;
        if (timeout <= TimeSpan.Zero || timeout > Longest)
            throw new ArgumentOutOfRangeException(parameter, timeout, $"a timeout must be positive and at most {Longest}");
    }
}
