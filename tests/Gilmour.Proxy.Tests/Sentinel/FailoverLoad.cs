using System.Collections.Concurrent;
using System.Diagnostics;
using Gilmour.Proxy.Tests.Support;

namespace Gilmour.Proxy.Tests.Sentinel;

public enum Publish
{
    Request,
    Signal,

    /// <summary>A request of the prober, which sends one every <see cref="FailoverLoad.ProbeEvery"/> without waiting
    /// for answers: it sees the moment the proxy serves again even while every client waits on a call.</summary>
    Probe,
}

/// <summary>One call of the load: what it was, its number, when it was sent and answered (Stopwatch timestamps), how.</summary>
public sealed record Call(Publish Kind, int Sequence, long Sent, long Answered, int Status, string Body)
{
    public TimeSpan Took => Stopwatch.GetElapsedTime(Sent, Answered);
}

/// <summary>
/// Keep-alive clients that each alternate a request to a topic and a signal to a slot, from one node, every message a
/// fresh number, every answer recorded with the moments it was sent and answered, plus a prober: what a failover test
/// kills Redis under.
/// </summary>
public sealed class FailoverLoad : IAsyncDisposable
{
    public static readonly TimeSpan ProbeEvery = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<Call> _calls = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly List<Task> _clients;
    private int _sequence;

    private FailoverLoad(Uri controlApi, string nodeId, string topic, string slot, int clients, double timeoutSeconds)
    {
        TimeoutSeconds = timeoutSeconds;
        // Moments are taken on this process's pool threads: they must not wait for the pool to grow under the prober.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < 32) ThreadPool.SetMinThreads(32, completionPorts);
        // The HTTP client's own limit lies well beyond anything the proxy may take, so that it never hides a late answer.
        _http = new HttpClient { BaseAddress = controlApi, Timeout = TimeSpan.FromSeconds(timeoutSeconds + 30) };
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                await CallAsync(Publish.Request, n => ($"/request/{nodeId}", $$"""{"topic":"{{topic}}","message":{{n}},"timeout":{{timeoutSeconds}}}"""));
                await CallAsync(Publish.Signal, n => ($"/signal/{nodeId}", $$"""{"topic":"{{slot}}","message":{{n}}}"""));
            }
        })).ToList();
        _clients.Add(Task.Run(async () =>
        {
            var probes = new List<Task>();
            using var timer = new PeriodicTimer(ProbeEvery);
            while (await timer.WaitForNextTickAsync())
            {
                if (_stop.IsCancellationRequested) break;
                probes.Add(CallAsync(Publish.Probe, n => ($"/request/{nodeId}", $$"""{"topic":"{{topic}}","message":{{n}},"timeout":{{timeoutSeconds}}}""")));
            }
            await Task.WhenAll(probes);
        }));
    }

    public static FailoverLoad Start(Uri controlApi, string nodeId, string topic, string slot, int clients = 8, double timeoutSeconds = 5) =>
        new(controlApi, nodeId, topic, slot, clients, timeoutSeconds);

    public double TimeoutSeconds { get; }

    public IReadOnlyList<Call> Calls => [.. _calls];

    public int Answered(Publish kind, int status) => _calls.Count(c => c.Kind == kind && c.Status == status);

    /// <summary>Stops sending and waits for the answers still awaited.</summary>
    public async Task StopAsync()
    {
        if (_stop.IsCancellationRequested) return;
        _stop.Cancel();
        await Task.WhenAll(_clients);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }

    private async Task CallAsync(Publish kind, Func<int, (string Path, string Body)> call)
    {
        var n = Interlocked.Increment(ref _sequence);
        var (path, body) = call(n);
        var sent = Stopwatch.GetTimestamp();
        Answer answer;
        try
        {
            answer = await _http.PostAsync(path, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            _calls.Enqueue(new Call(kind, n, sent, Stopwatch.GetTimestamp(), 0, e.Message));
            return;
        }
        _calls.Enqueue(new Call(kind, n, sent, Stopwatch.GetTimestamp(), answer.Code, answer.Raw));
    }
}
