namespace Gilmour.Dispatcher;

/// <summary>
/// What <see cref="NodeSubscriptions"/> keeps per node between applies: the gate that lets one apply of the node run
/// at a time, whether another already waits for it, and the revisions seen, announced as removed and acknowledged.
/// Everything but <see cref="TryQueue"/> and <see cref="Removed"/> is used under the gate.
/// </summary>
internal sealed class NodeApplyState(ProxiedNode node)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private int _waiting;
    private long _removedRevision;
    private long _knownRevision;
    private long _acknowledgedRevision;

    public ProxiedNode Node { get; } = node;

    /// <summary>Set once the node is gone and this entry has left the table; a late trigger then starts afresh.</summary>
    public bool Retired { get; private set; }

    /// <summary>
    /// Queues an apply; false when one already waits for the gate: it reads the registry after this trigger, so it
    /// covers it.
    /// </summary>
    public bool TryQueue() => Interlocked.CompareExchange(ref _waiting, 1, 0) == 0;

    /// <summary>Waits for the gate as the queued apply; a trigger from now on queues another.</summary>
    public async Task EnterQueuedAsync()
    {
        await _gate.WaitAsync();
        Volatile.Write(ref _waiting, 0);
    }

    /// <summary>Waits for the gate outside the queue (the dispatcher stopping).</summary>
    public Task EnterAsync(CancellationToken cancellationToken) => _gate.WaitAsync(cancellationToken);

    public void Exit() => _gate.Release();

    /// <summary>A removal was announced; the announcement carries the last revision of the node.</summary>
    public void Removed(long revision)
    {
        for (var current = Interlocked.Read(ref _removedRevision); revision > current; current = Interlocked.Read(ref _removedRevision))
            if (Interlocked.CompareExchange(ref _removedRevision, revision, current) == current) return;
    }

    /// <summary>The registry held <paramref name="revision"/> of the node when it was read for an apply.</summary>
    public void Saw(long revision) => _knownRevision = revision;

    /// <summary>
    /// The revision a removal is acknowledged with: the ControlApi waits on DELETE for the removed revision + 1; a
    /// node this dispatcher never saw is still acknowledged from the announcement, and one it only saw is
    /// acknowledged from what it saw. 0: nothing to acknowledge.
    /// </summary>
    public long RemovalRevision()
    {
        var last = Math.Max(_knownRevision, Interlocked.Read(ref _removedRevision));
        return last > 0 ? last + 1 : 0;
    }

    /// <summary>True when <paramref name="revision"/> is one to acknowledge: real and not the last acknowledged.</summary>
    public bool Unacknowledged(long revision) => revision > 0 && revision != _acknowledgedRevision;

    public void Acknowledged(long revision) => _acknowledgedRevision = revision;

    public void Retire() => Retired = true;
}
