namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// The base addresses of the ControlApi replicas, as a load balancer knows them: read afresh for every call, so a
/// replica restarted on a new port is used as soon as the test swaps its address in. Once
/// <see cref="WatchHealth"/> is called it also health-checks them like a balancer's readiness probe (GET /health
/// every 100 ms) and sends calls only to replicas that answered 200 last.
/// </summary>
public sealed class ControlApiAddresses(IEnumerable<Uri> addresses) : IAsyncDisposable
{
    private static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly HashSet<Uri> _unready = [];
    private readonly CancellationTokenSource _stop = new();
    private volatile Uri[] _current = [.. addresses];
    private volatile Uri[] _ready = [.. addresses];
    private Task? _watching;

    public IReadOnlyList<Uri> Current => _current;

    /// <summary>The replica for the <paramref name="turn"/>th try: consecutive turns go to different ready replicas.</summary>
    public Uri Pick(int turn)
    {
        var ready = _ready;
        var current = ready.Length > 0 ? ready : _current;
        return current[(int)((uint)turn % (uint)current.Length)];
    }

    public void Replace(Uri old, Uri replacement)
    {
        lock (_gate)
        {
            _current = Array.ConvertAll(_current, address => address == old ? replacement : address);
            _unready.Remove(old);
            // A new replica gets traffic once its first probe passes, as behind a balancer.
            if (_watching is not null) _unready.Add(replacement);
            Publish();
        }
    }

    /// <summary>Starts the readiness probes.</summary>
    public void WatchHealth() => _watching ??= Task.Run(async () =>
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        while (!_stop.IsCancellationRequested)
        {
            foreach (var address in _current)
            {
                bool ready;
                try
                {
                    using var answer = await http.GetAsync(new Uri(address, "/health"), _stop.Token);
                    ready = answer.IsSuccessStatusCode;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    ready = false;
                }
                lock (_gate)
                {
                    if (ready ? _unready.Remove(address) : _unready.Add(address)) Publish();
                }
            }
            try
            {
                await Task.Delay(ProbeEvery, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    });

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_watching is not null) await _watching;
        _stop.Dispose();
    }

    private void Publish() => _ready = Array.FindAll(_current, address => !_unready.Contains(address));
}
