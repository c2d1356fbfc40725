using System.Text.Json;
using Gilmour.Failover;
using Gilmour.Json;
using StackExchange.Redis;

namespace Gilmour.Registry;

/// <summary>
/// Acknowledgements that a dispatcher has made a node's registration live (<see cref="SubscriptionsApplied"/> on
/// <see cref="RegistryKeys.AppliedChannel"/>). A dispatcher publishes them; the ControlApi waits for them so that it
/// answers a registration or change only once requests can reach the node.
/// </summary>
/// <remarks>
/// The waiting side holds ONE subscription for the life of the process, started at boot (<see cref="StartAsync"/>;
/// the ControlApi's RedisSubscriptionsStartup calls it): subscribing per wait would miss an acknowledgement that
/// arrives between the registry write and the SUBSCRIBE. The highest applied revision per node is remembered for <see cref="Retention"/>, so a wait
/// that starts after its acknowledgement arrived still succeeds at once.
/// </remarks>
public sealed class AppliedRevisions : IAsyncDisposable
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromMinutes(1);

    private static readonly RedisChannel Applied = RedisChannel.Literal(RegistryKeys.AppliedChannel);

    private readonly IConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Action<RedisChannel, RedisValue> _onAcknowledgement;
    private long _lastPrune;
    private Task? _subscribed;

    public AppliedRevisions(IConnectionMultiplexer redis) : this(redis, TimeProvider.System, DefaultRetention) { }

    internal AppliedRevisions(IConnectionMultiplexer redis, TimeProvider time, TimeSpan retention)
    {
        _redis = redis ?? throw new ArgumentNullException(nameof(redis));
        _time = time;
        Retention = retention;
        _lastPrune = time.GetTimestamp();
        _onAcknowledgement = (_, payload) => Record(payload);
    }

    /// <summary>How long the applied revision of a node is remembered after its last acknowledgement.</summary>
    public TimeSpan Retention { get; }

    /// <summary>Subscribes to acknowledgements (idempotent). Call at boot, before any write is waited for.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_subscribed is null || _subscribed.IsFaulted || _subscribed.IsCanceled)
                _subscribed = SubscribeAsync();
            return _subscribed.WaitAsync(cancellationToken);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        Task? subscribed;
        lock (_gate)
        {
            subscribed = _subscribed;
            _subscribed = null;
        }
        // Only this instance's handler: others on the same multiplexer keep listening.
        if (subscribed is { IsCompletedSuccessfully: true })
        {
            RedisPrimary.Of(_redis).Unfollow(Applied);
            await _redis.GetSubscriber().UnsubscribeAsync(Applied, _onAcknowledgement).WaitAsync(cancellationToken);
        }
    }

    private async Task SubscribeAsync()
    {
        await _redis.GetSubscriber().SubscribeAsync(Applied, _onAcknowledgement, RedisPrimary.Only);
        RedisPrimary.Of(_redis).Follow(Applied);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>
    /// A dispatcher's side: announces that the node's subscriptions now match <paramref name="applied"/>, on the
    /// primary; an acknowledgement is repeatable, so it is sent again whenever the connection failed under it (waiting
    /// for a primary at most <see cref="RedisPrimary.DefaultWait"/>).
    /// </summary>
    public Task PublishAsync(SubscriptionsApplied applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var payload = JsonSerializer.SerializeToUtf8Bytes(applied, GilmourJson.Default.SubscriptionsApplied);
        return RedisPrimary.Of(_redis).RunAsync((Subscriber: _redis.GetSubscriber(), Payload: payload),
            static state => state.Subscriber.PublishAsync(Applied, state.Payload, RedisPrimary.Only), repeatable: true);
    }

    /// <summary>The highest revision of the node acknowledged within <see cref="Retention"/>, or null.</summary>
    public long? HighestApplied(string id)
    {
        lock (_gate) return _entries.TryGetValue(id, out var entry) && entry.Revision > 0 ? entry.Revision : null;
    }

    /// <summary>
    /// True as soon as a revision of <paramref name="id"/> at least <paramref name="revision"/> has been applied
    /// (at once when it already has been), false when <paramref name="timeout"/> passes first.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async Task<bool> WaitForAsync(string id, long revision, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        await StartAsync(cancellationToken);

        Entry entry;
        var waiter = new Waiter(revision);
        lock (_gate)
        {
            if (!_entries.TryGetValue(id, out entry!))
                _entries[id] = entry = new Entry(_time.GetTimestamp());
            if (entry.Revision >= revision) return true;
            entry.Waiters.Add(waiter);
        }
        try
        {
            return await waiter.Applied.Task.WaitAsync(timeout, _time, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_gate)
            {
                entry.Waiters.Remove(waiter);
                // An entry made only to hold waiters goes with its last waiter; acknowledged ones stay for Retention.
                if (entry is { Revision: 0, Waiters.Count: 0 } && _entries.TryGetValue(id, out var current) && current == entry)
                    _entries.Remove(id);
            }
        }
    }

    private void Record(RedisValue payload)
    {
        if (!TryDecode(payload, out var applied)) return;
        lock (_gate)
        {
            var now = _time.GetTimestamp();
            if (!_entries.TryGetValue(applied.Id, out var entry))
                _entries[applied.Id] = entry = new Entry(now);
            entry.Revision = Math.Max(entry.Revision, applied.Revision);
            entry.AcknowledgedAt = now;
            for (var i = entry.Waiters.Count - 1; i >= 0; i--)
            {
                if (entry.Waiters[i].Revision > entry.Revision) continue;
                entry.Waiters[i].Applied.TrySetResult(true);
                entry.Waiters.RemoveAt(i);
            }
            PruneIfDue(now);
        }
    }

    // Under _gate. Scans at most every quarter of the retention, so bursts of acknowledgements stay linear.
    private void PruneIfDue(long now)
    {
        if (_time.GetElapsedTime(_lastPrune, now) < Retention / 4) return;
        _lastPrune = now;
        List<string>? expired = null;
        foreach (var (id, entry) in _entries)
            if (entry.Waiters.Count == 0 && _time.GetElapsedTime(entry.AcknowledgedAt, now) >= Retention)
                (expired ??= []).Add(id);
        if (expired is null) return;
        foreach (var id in expired) _entries.Remove(id);
    }

    private static bool TryDecode(RedisValue payload, out SubscriptionsApplied applied)
    {
        applied = null!;
        if (payload.IsNullOrEmpty) return false;
        try
        {
            applied = JsonSerializer.Deserialize((byte[])payload!, GilmourJson.Default.SubscriptionsApplied)!;
        }
        catch (JsonException)
        {
            return false;
        }
        return applied is { Id.Length: > 0, Revision: > 0 };
    }

    private sealed class Entry(long acknowledgedAt)
    {
        public long Revision;
        public long AcknowledgedAt = acknowledgedAt;
        public readonly List<Waiter> Waiters = [];
    }

    private sealed class Waiter(long revision)
    {
        public long Revision { get; } = revision;

        // Completed under the lock: continuations must not run there.
        public TaskCompletionSource<bool> Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
