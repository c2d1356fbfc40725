namespace Gilmour.Responding;

/// <summary>
/// Counts the messages one subscription is handling, so that unsubscribing can let them finish: once drained,
/// no new message is taken.
/// </summary>
internal sealed class InFlight
{
    private readonly Lock _gate = new();
    private int _running;
    private bool _closed;
    private TaskCompletionSource? _drained;

    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_closed) return false;
            _running++;
            return true;
        }
    }

    public void Exit()
    {
        TaskCompletionSource? drained;
        lock (_gate)
        {
            if (--_running > 0 || !_closed) return;
            drained = _drained;
        }
        drained?.TrySetResult();
    }

    /// <summary>Takes no more messages; completes when the running ones are done.</summary>
    public Task DrainAsync()
    {
        lock (_gate)
        {
            _closed = true;
            if (_running == 0) return Task.CompletedTask;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drained.Task;
        }
    }
}
