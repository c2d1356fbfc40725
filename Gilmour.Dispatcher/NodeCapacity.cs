namespace Gilmour.Dispatcher;

/// <summary>
/// The deliveries one node admits: how many run now (its exclusion groups hand the next message to the least busy
/// member) and, when the node sets max_concurrency, the places a delivery waits for before it reaches the node.
/// Every delivery enters here and disposes its <see cref="Place"/> when the node has answered.
/// </summary>
public sealed class NodeCapacity
{
    private volatile SemaphoreSlim? _places;
    private int? _limit;
    private int _inFlight;

    /// <summary>Deliveries to the node running now, waiting ones included.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Applies the node's max_concurrency (null: no cap). Called by one apply of the node at a time.</summary>
    internal void Limit(int? maxConcurrency)
    {
        if (maxConcurrency == _limit) return;
        // Deliveries holding a place in the old cap release it there; new ones queue on the new cap.
        _places = maxConcurrency is { } limit ? new SemaphoreSlim(limit, limit) : null;
        _limit = maxConcurrency;
    }

    /// <summary>
    /// Counts a delivery in, and waits for a free place under the node's max_concurrency within
    /// <paramref name="timeout"/>; a delivery that gets none throws and is not counted.
    /// </summary>
    public async ValueTask<Place> EnterAsync(CancellationToken timeout)
    {
        Interlocked.Increment(ref _inFlight);
        var places = _places;
        if (places is null) return new Place(this, null);
        try
        {
            await places.WaitAsync(timeout);
        }
        catch
        {
            Interlocked.Decrement(ref _inFlight);
            throw;
        }
        return new Place(this, places);
    }

    /// <summary>One admitted delivery; disposing it frees its place in the cap it was admitted under.</summary>
    public readonly struct Place(NodeCapacity capacity, SemaphoreSlim? places) : IDisposable
    {
        public void Dispose()
        {
            places?.Release();
            Interlocked.Decrement(ref capacity._inFlight);
        }
    }
}
