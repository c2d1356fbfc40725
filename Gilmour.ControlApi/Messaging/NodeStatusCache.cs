using System.Collections.Concurrent;
using Gilmour.Registry;
using StackExchange.Redis;

namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// The registrations of nodes that publish, held in memory so that POST /request and /signal cost no registry read:
/// each registry write is announced (<see cref="RegistryChanges"/>) and drops the node's entry at once, so a node
/// turned unavailable or deleted is refused from the announcement on.
/// </summary>
/// <remarks>
/// An announcement can be missed only while the subscription connection is down: the whole cache is dropped when
/// the connection fails and again when it is restored. Entries also live at most <see cref="Freshness"/>, a bound on
/// staleness that does not rest on pub/sub at all. Until the subscription is live, every call reads the registry.
/// </remarks>
public sealed class NodeStatusCache(NodeRegistry registry, RegistryChanges changes, IConnectionMultiplexer redis, TimeProvider time)
    : IAsyncDisposable
{
    public static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private IAsyncDisposable? _listening;
    private long _generation;

    /// <summary>Subscribes to the announcements (idempotent); until then nothing is kept.</summary>
    public async Task StartAsync()
    {
        if (_listening is not null) return;
        redis.ConnectionFailed += OnConnectionEvent;
        redis.ConnectionRestored += OnConnectionEvent;
        _listening = await changes.SubscribeAsync(change => Forget(change.Id));
    }

    /// <summary>The node as registered, at most <see cref="Freshness"/> old and never older than its last announced write.</summary>
    /// <param name="id">The node's id.</param>
    /// <param name="wait">How long a registry read may wait for a Redis primary (a failover under way).</param>
    public async Task<Node?> GetAsync(string id, TimeSpan wait)
    {
        if (_entries.TryGetValue(id, out var cached) && time.GetElapsedTime(cached.ReadAt) < Freshness) return cached.Node;

        var generation = Volatile.Read(ref _generation);
        var readAt = time.GetTimestamp();
        var node = await registry.GetAsync(id, wait);
        if (node is null || _listening is null) return node;

        var entry = new Entry(node, readAt);
        _entries[id] = entry;
        // A write announced while the registry was being read may be newer than what was read: then the entry goes
        // again (Forget bumps the generation before it removes, so one of the two removals sees the other's entry).
        if (Volatile.Read(ref _generation) != generation) _entries.TryRemove(KeyValuePair.Create(id, entry));
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        redis.ConnectionFailed -= OnConnectionEvent;
        redis.ConnectionRestored -= OnConnectionEvent;
        if (Interlocked.Exchange(ref _listening, null) is { } listening) await listening.DisposeAsync();
        _entries.Clear();
    }

    private void Forget(string id)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(id, out _);
    }

    private void OnConnectionEvent(object? sender, ConnectionFailedEventArgs e)
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    private sealed record Entry(Node Node, long ReadAt);
}
