using System.Text.Json;
using StackExchange.Redis;

namespace Gilmour.Requests;

/// <summary>
/// The requesting side of Gilmour for one process: requests (reply awaited) and signals (fire and forget).
/// One long-lived pattern subscription serves the replies of every request of the process, so a request costs
/// no SUBSCRIBE/UNSUBSCRIBE round trip.
/// </summary>
public sealed class Requester : IAsyncDisposable
{
    public Requester(IConnectionMultiplexer redis) => throw new NotImplementedException();

    /// <summary>Subscribes the reply pattern; idempotent; called lazily by the first request too.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>A fresh sender id of this process (unique across the bus; keys the exclusion lock).</summary>
    public string NewSender() => throw new NotImplementedException();

    /// <summary>
    /// Publishes <paramref name="data"/> on gilmour.request.<paramref name="topic"/> and waits for the reply:
    /// code 404 at once when nobody listens, 499 "Execution timed out" when <paramref name="timeout"/> passes.
    /// </summary>
    public Task<Reply> RequestAsync(string topic, JsonElement data, TimeSpan timeout,
        CancellationToken cancellationToken = default, string? traceparent = null) => throw new NotImplementedException();

    /// <summary>Publishes on gilmour.slot.<paramref name="topic"/>; returns the sender used.</summary>
    public Task<string> SignalAsync(string topic, JsonElement data,
        CancellationToken cancellationToken = default, string? traceparent = null) => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
