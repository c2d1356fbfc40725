using System.Collections.Concurrent;
using System.Diagnostics;
using Gilmour.Proxy.Tests.Support;

namespace Gilmour.Proxy.Tests.Faults;

/// <summary>One answer of the load: when it came, its HTTP status, its body, the number sent as the message, and when it was sent.</summary>
public sealed record Outcome(TimeSpan At, int Status, string Body, int Sequence, TimeSpan SentAt);

/// <summary>
/// Keep-alive clients sending requests from one node to a topic in a loop, each message a fresh number, every
/// answer recorded: what a fault test injects its fault under.
/// </summary>
public sealed class RequestLoad
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Outcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly List<Task> _clients;
    private int _sequence;

    private RequestLoad(Uri controlApi, string nodeId, string topic, int clients, double timeoutSeconds)
    {
        _http = new HttpClient { BaseAddress = controlApi, Timeout = TimeSpan.FromSeconds(timeoutSeconds + 15) };
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref _sequence);
                var sentAt = _clock.Elapsed;
                var answer = await _http.PostAsync($"/request/{nodeId}", $$"""{"topic":"{{topic}}","message":{{n}},"timeout":{{timeoutSeconds}}}""");
                _outcomes.Enqueue(new Outcome(_clock.Elapsed, answer.Code, answer.Raw, n, sentAt));
            }
        })).ToList();
    }

    public static RequestLoad Start(Uri controlApi, string nodeId, string topic, int clients = 8, double timeoutSeconds = 3) =>
        new(controlApi, nodeId, topic, clients, timeoutSeconds);

    /// <summary>Time since the load started, on the clock of <see cref="Outcome.At"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<Outcome> Outcomes => [.. _outcomes];

    /// <summary>Stops sending and waits for the answers still awaited.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_clients);
        _http.Dispose();
        _stop.Dispose();
    }
}
