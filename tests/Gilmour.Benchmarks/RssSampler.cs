using System.Collections.Concurrent;
using Gilmour.Testing;

namespace Gilmour.Benchmarks;

/// <summary>
/// Samples VmRSS of each service process every 50 ms and keeps the peak since the last <see cref="Reset"/>
/// (VmHWM would hold the whole life's peak, not the cell's).
/// </summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly IReadOnlyDictionary<string, int> _processes;
    private readonly ConcurrentDictionary<string, long> _peaks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    /// <param name="processes">service name to process id</param>
    public RssSampler(IReadOnlyDictionary<string, int> processes)
    {
        _processes = processes;
        _loop = Task.Run(SampleAsync);
    }

    public void Reset() => _peaks.Clear();

    public IReadOnlyDictionary<string, long> Peaks() => new Dictionary<string, long>(_peaks);

    /// <summary>Resident set size now, in bytes (0 when the process is gone).</summary>
    public static long ResidentBytes(int processId) => ResidentMemory.Of(processId);

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        try
        {
            do
            {
                foreach (var (name, pid) in _processes)
                {
                    var rss = ResidentBytes(pid);
                    _peaks.AddOrUpdate(name, rss, (_, peak) => Math.Max(peak, rss));
                }
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
