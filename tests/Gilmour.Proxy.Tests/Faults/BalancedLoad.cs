using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Gilmour.Proxy.Tests.Support;

namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// Keep-alive clients sending numbered calls (requests or signals) spread over every ControlApi replica, as a load
/// balancer in front of them would: call n goes to replica n, and a replica that refuses the connection (so it never
/// accepted the call) is skipped for the next one. Every other failure is recorded, never retried: a call that may
/// have been accepted must not be sent twice.
/// </summary>
public sealed class BalancedLoad : IAsyncDisposable
{
    /// <summary>What call number n sends: a path (<c>/request/{id}</c>, <c>/signal/{id}</c>) and its JSON body.</summary>
    public sealed record Call(string Path, string Body);

    /// <summary>
    /// How call <paramref name="Number"/> ended: the HTTP status (0 when no answer came, with <paramref name="Failure"/>
    /// saying why), the body, how many replicas refused it before <paramref name="Replica"/> took it, and when.
    /// </summary>
    public sealed record Result(int Number, Call Call, int Status, string Body, Uri Replica, int Refusals, string? Failure, TimeSpan At);

    // Enough to ride out both replicas being down at once for a moment, never an endless spin.
    private const int MaxRefusals = 200;

    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<Result> _results = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly ControlApiAddresses _addresses;
    private readonly Func<int, Call> _call;
    private readonly int? _limit;
    private readonly HttpClient _http;
    private readonly Task _clients;
    private readonly Lock _gate = new();
    private Task? _stopped;
    private int _sequence;

    private BalancedLoad(ControlApiAddresses addresses, Func<int, Call> call, int clients, int? limit, TimeSpan callTimeout)
    {
        _addresses = addresses;
        _call = call;
        _limit = limit;
        _http = new HttpClient { Timeout = callTimeout };
        _clients = Task.WhenAll(Enumerable.Range(0, clients).Select(_ => Task.Run(RunClientAsync)));
    }

    /// <param name="limit">Calls in all (numbered 1 to limit); null: until <see cref="StopAsync"/>.</param>
    public static BalancedLoad Start(ControlApiAddresses addresses, Func<int, Call> call, int clients, int? limit = null,
        TimeSpan? callTimeout = null) =>
        new(addresses, call, clients, limit, callTimeout ?? TimeSpan.FromSeconds(30));

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<Result> Results => [.. _results];

    /// <summary>Completes when every call of a limited load has its result.</summary>
    public Task Completion => _clients;

    /// <summary>Stops sending and waits for the answers still awaited.</summary>
    public Task StopAsync()
    {
        lock (_gate) return _stopped ??= StopCoreAsync();
    }

    /// <summary>Stops the load when a test fails before it does: its clients must not outlive the servers.</summary>
    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task StopCoreAsync()
    {
        _stop.Cancel();
        await _clients;
        _http.Dispose();
    }

    private async Task RunClientAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _sequence);
            if (n > _limit) return;
            _results.Enqueue(await SendAsync(n));
        }
    }

    private async Task<Result> SendAsync(int n)
    {
        var call = _call(n);
        for (var refusals = 0; ; refusals++)
        {
            var address = _addresses.Pick(n + refusals);
            try
            {
                var answer = await _http.PostAsync(new Uri(address, call.Path).AbsoluteUri, call.Body);
                return new Result(n, call, answer.Code, answer.Raw, address, refusals, null, _clock.Elapsed);
            }
            catch (HttpRequestException refused) when (IsConnectionRefused(refused) && refusals < MaxRefusals)
            {
                // Every replica refused in turn: give the one being restarted a moment to listen.
                if ((refusals + 1) % _addresses.Current.Count == 0) await Task.Delay(20);
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
            {
                return new Result(n, call, 0, "", address, refusals, $"{failure.GetType().Name}: {failure.Message} ({failure.InnerException?.Message})", _clock.Elapsed);
            }
        }
    }

    private static bool IsConnectionRefused(Exception failure)
    {
        for (var e = failure; e is not null; e = e.InnerException)
            if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return true;
        return false;
    }
}
