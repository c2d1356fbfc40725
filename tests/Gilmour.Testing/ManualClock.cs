namespace Gilmour.Testing;

/// <summary>
/// A clock that only moves when the test says so, for deadline and expiry logic. Only the clock is manual:
/// timers created through it (for example by Task.WaitAsync) still run on real time.
/// </summary>
public sealed class ManualClock : TimeProvider
{
    private readonly DateTimeOffset _start = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private long _elapsedTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _elapsedTicks);

    public override DateTimeOffset GetUtcNow() => _start.AddTicks(Interlocked.Read(ref _elapsedTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _elapsedTicks, by.Ticks);
}
