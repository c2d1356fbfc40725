using System.Collections.Concurrent;

namespace Gilmour.Requests;

/// <summary>
/// Reusable <see cref="CancellationTokenSource"/>s that time requests out. CancelAfter on a source that was reset
/// re-arms the timer it already owns, so a request costs no timer allocation. Only the requester's own
/// registrations ever see these tokens (never a caller), which is what makes handing a source out again safe.
/// </summary>
internal sealed class TimeoutSources
{
    private const int Capacity = 1024;
    private readonly ConcurrentQueue<CancellationTokenSource> _idle = new();
    private int _idleCount;

    public CancellationTokenSource Rent(TimeSpan timeout)
    {
        if (_idle.TryDequeue(out var source)) Interlocked.Decrement(ref _idleCount);
        else source = new CancellationTokenSource();
        source.CancelAfter(timeout);
        return source;
    }

    /// <summary>Takes a source back; one that fired (or would overflow the pool) is disposed instead.</summary>
    public void Return(CancellationTokenSource source)
    {
        if (!source.TryReset())
        {
            source.Dispose();
            return;
        }
        if (Interlocked.Increment(ref _idleCount) > Capacity)
        {
            Interlocked.Decrement(ref _idleCount);
            source.Dispose();
            return;
        }
        _idle.Enqueue(source);
    }
}
