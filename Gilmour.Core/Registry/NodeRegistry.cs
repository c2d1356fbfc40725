using System.Text.Json;
using Gilmour.Failover;
using Gilmour.Json;
using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Registry;

/// <summary>
/// The proxy's registry of nodes in Redis, shared by every service and replica. Every write is atomic (one
/// MULTI/EXEC, optimistic on the node's previous value), bumps the node's revision, keeps the node's health ident
/// in gilmour.known_host.health in step, and is announced on <see cref="RegistryKeys.ChangesChannel"/>.
/// </summary>
/// <remarks>
/// The announcement is a PUBLISH inside the same MULTI/EXEC as the write: a committed write is always announced
/// (no window where a crash between commit and publish loses it) and never announced before it is readable.
/// Reads and writes go to the primary only; while none can be reached (a failover, a restart) each waits for one,
/// at most <see cref="RedisPrimary.DefaultWait"/> (or until the caller's token fires). A write whose connection
/// failed after it was sent is not sent again (it may have committed): its caller gets the failure.
/// </remarks>
/// <param name="time">The clock that stamps <see cref="Node.StatusSince"/>; the system clock when null.</param>
public sealed class NodeRegistry(IConnectionMultiplexer redis, TimeProvider? time = null)
{
    /// <summary>How often an update or removal re-reads and retries after losing the race to another writer.</summary>
    public const int MaxAttempts = 50;

    /// <summary>The value Go writes for a live ident in gilmour.known_host.health.</summary>
    private const string IdentAlive = "true";

    private static readonly RedisChannel Changes = RedisChannel.Literal(RegistryKeys.ChangesChannel);

    private readonly IConnectionMultiplexer _redis = redis;
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly RedisPrimary _primary = RedisPrimary.Of(redis);

    private IDatabase Database => _redis.GetDatabase();

    public Task<Node?> GetAsync(string id) => GetAsync(id, RedisPrimary.DefaultWait);

    /// <summary>Reads one node, waiting at most <paramref name="wait"/> for a primary.</summary>
    public async Task<Node?> GetAsync(string id, TimeSpan wait)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var value = await _primary.RunAsync((Database, Key: (RedisKey)RegistryKeys.Node(id)), ReadAsync, wait);
        return value.IsNull ? null : Decode(id, value);
    }

    private static Task<RedisValue> ReadAsync((IDatabase Database, RedisKey Key) state) =>
        state.Database.StringGetAsync(state.Key, RedisPrimary.Only);

    /// <summary>
    /// Every registered node, oldest registration first; entries that do not hold a readable node are left out.
    /// Two round trips: SMEMBERS, then one MGET.
    /// </summary>
    public async Task<IReadOnlyList<Node>> ListAsync()
    {
        var database = Database;
        var ids = await _primary.RunAsync(database, static database => database.SetMembersAsync(RegistryKeys.NodeIndex, RedisPrimary.Only));
        if (ids.Length == 0) return [];
        var keys = new RedisKey[ids.Length];
        for (var i = 0; i < ids.Length; i++) keys[i] = RegistryKeys.Node(ids[i]!);
        var values = await _primary.RunAsync((database, keys), static state => state.database.StringGetAsync(state.keys, RedisPrimary.Only));

        var nodes = new List<Node>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            // Removed between SMEMBERS and MGET: it is simply gone.
            if (values[i].IsNull) continue;
            // One unreadable entry (written by hand, or by a newer version) must not stop every reconciliation
            // and probe round that lists the registry: it is left out here and still reported by GetAsync.
            if (TryDecode(values[i]) is { } node) nodes.Add(node);
        }
        nodes.Sort(static (a, b) =>
        {
            var byTime = a.RegisteredAt.CompareTo(b.RegisteredAt);
            return byTime != 0 ? byTime : string.CompareOrdinal(a.Id, b.Id);
        });
        return nodes;
    }

    /// <summary>Adds a new node (revision 1) and its health ident. False when the id exists already.</summary>
    /// <exception cref="ArgumentException">the node breaks one of the <see cref="NodeRules"/>.</exception>
    public Task<bool> AddAsync(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return InsertAsync(node with { Revision = 1 });
    }

    /// <summary>
    /// Puts back a node as a service last knew it, revision included, after Redis lost its data; false when the id
    /// exists already (another replica restored it first, or it was registered again).
    /// </summary>
    public Task<bool> RestoreAsync(Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return InsertAsync(node);
    }

    private async Task<bool> InsertAsync(Node stored)
    {
        NodeRules.Ensure(stored);
        return await _primary.RunAsync((Database, Stored: stored), static state =>
        {
            var (database, stored) = state;
            var key = RegistryKeys.Node(stored.Id);
            var transaction = database.CreateTransaction();
            transaction.AddCondition(Condition.KeyNotExists(key));
            _ = transaction.StringSetAsync(key, Encode(stored));
            _ = transaction.SetAddAsync(RegistryKeys.NodeIndex, stored.Id);
            _ = transaction.HashSetAsync(Channels.KnownHostHealth, stored.Ident, IdentAlive);
            if (stored.TokenHash is { } tokenHash) _ = transaction.HashSetAsync(RegistryKeys.TokenIndex, tokenHash, stored.Id);
            _ = transaction.PublishAsync(Changes, Announcement(stored.Id, RegistryChange.Added, stored.Revision));
            return transaction.ExecuteAsync(RedisPrimary.Only);
        });
    }

    /// <summary>
    /// Read-modify-write with retry on concurrent change. <paramref name="change"/> returns the new node, or null
    /// to leave it as is. Returns the node as stored afterwards, or null when the id is unknown.
    /// </summary>
    /// <remarks>
    /// <paramref name="change"/> may run several times (once per attempt) and must only compute. The revision it
    /// sets is ignored (the registry sets the old one + 1); it may not change the id, the health ident or the token
    /// hash. A change of status stamps <see cref="Node.StatusSince"/> with the current time, unless the change set
    /// that itself.
    /// </remarks>
    /// <exception cref="RegistryConflictException">lost the race <see cref="MaxAttempts"/> times.</exception>
    /// <exception cref="ArgumentException">the changed node breaks one of the <see cref="NodeRules"/>.</exception>
    public Task<Node?> UpdateAsync(string id, Func<Node, Node?> change) => UpdateAsync(id, change, null);

    /// <summary>
    /// <see cref="UpdateAsync(string, Func{Node, Node?})"/>, written only while <paramref name="requires"/> holds
    /// too (checked in the same transaction); when it does not, nothing is written and the node is returned as is.
    /// </summary>
    /// <remarks>Marking a stream node unavailable requires that no stream lease exists: a stream opened meanwhile wins.</remarks>
    public async Task<Node?> UpdateAsync(string id, Func<Node, Node?> change, Condition? requires)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(change);
        var database = Database;
        RedisKey key = RegistryKeys.Node(id);
        for (var attempt = 1; ; attempt++)
        {
            var old = await _primary.RunAsync((database, key), ReadAsync);
            if (old.IsNull) return null;
            var current = Decode(id, old);
            var proposed = change(current);
            if (proposed is null) return current;
            if (proposed.Id != current.Id || proposed.Ident != current.Ident || proposed.TokenHash != current.TokenHash)
                throw new InvalidOperationException($"node {id}: an update may not change the node's id, health ident or token");
            var updated = proposed with { Revision = current.Revision + 1 };
            if (updated.Status != current.Status && updated.StatusSince == current.StatusSince)
                updated = updated with { StatusSince = _time.GetUtcNow() };
            NodeRules.Ensure(updated);

            var (written, unmet) = await _primary.RunAsync((database, key, old, updated, requires), static async state =>
            {
                var (database, key, old, updated, requires) = state;
                var transaction = database.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(key, old));
                var required = requires is null ? null : transaction.AddCondition(requires);
                _ = transaction.StringSetAsync(key, Encode(updated));
                // Re-asserting the index member and the ident costs nothing in this round trip and repairs them if
                // someone removed them by hand (health tools would otherwise lose the node).
                _ = transaction.SetAddAsync(RegistryKeys.NodeIndex, updated.Id);
                _ = transaction.HashSetAsync(Channels.KnownHostHealth, updated.Ident, IdentAlive);
                if (updated.TokenHash is { } tokenHash) _ = transaction.HashSetAsync(RegistryKeys.TokenIndex, tokenHash, updated.Id);
                _ = transaction.PublishAsync(Changes, Announcement(updated.Id, RegistryChange.Changed, updated.Revision));
                var done = await transaction.ExecuteAsync(RedisPrimary.Only);
                return (done, required is { WasSatisfied: false });
            });
            if (written) return updated;
            if (unmet) return current;
            await BackOffAsync(id, attempt);
        }
    }

    /// <summary>Removes the node, its health ident and its token; returns what was removed, or null when unknown.</summary>
    /// <exception cref="RegistryConflictException">lost the race <see cref="MaxAttempts"/> times.</exception>
    public Task<Node?> RemoveAsync(string id) => RemoveIfAsync(id, static _ => true);

    /// <summary>
    /// Removes the node as <see cref="RemoveAsync"/> does, but only while <paramref name="condition"/> holds for it as
    /// stored (checked atomically with the removal); returns what was removed, or null when unknown or kept.
    /// </summary>
    /// <exception cref="RegistryConflictException">lost the race <see cref="MaxAttempts"/> times.</exception>
    public async Task<Node?> RemoveIfAsync(string id, Func<Node, bool> condition)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentNullException.ThrowIfNull(condition);
        var database = Database;
        RedisKey key = RegistryKeys.Node(id);
        for (var attempt = 1; ; attempt++)
        {
            var old = await _primary.RunAsync((database, key), ReadAsync);
            if (old.IsNull) return null;
            var removed = Decode(id, old);
            if (!condition(removed)) return null;

            var deleted = await _primary.RunAsync((database, key, old, removed), static state =>
            {
                var (database, key, old, removed) = state;
                // Conditioned on the value read, so the ident deleted is the one of the node deleted.
                var transaction = database.CreateTransaction();
                transaction.AddCondition(Condition.StringEqual(key, old));
                _ = transaction.KeyDeleteAsync(key);
                _ = transaction.SetRemoveAsync(RegistryKeys.NodeIndex, removed.Id);
                _ = transaction.HashDeleteAsync(Channels.KnownHostHealth, removed.Ident);
                if (removed.TokenHash is { } tokenHash) _ = transaction.HashDeleteAsync(RegistryKeys.TokenIndex, tokenHash);
                _ = transaction.PublishAsync(Changes, Announcement(removed.Id, RegistryChange.Removed, removed.Revision));
                return transaction.ExecuteAsync(RedisPrimary.Only);
            });
            if (deleted) return removed;
            await BackOffAsync(id, attempt);
        }
    }

    /// <summary>The id of the node whose <see cref="Node.TokenHash"/> this is, or null when no node has it.</summary>
    public async Task<string?> TokenOwnerAsync(string tokenHash)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenHash);
        var owner = await Database.HashGetAsync(RegistryKeys.TokenIndex, tokenHash);
        return owner.IsNullOrEmpty ? null : owner.ToString();
    }

    /// <summary>A short random pause, so writers that collided do not collide again in lockstep.</summary>
    private static Task BackOffAsync(string id, int attempt)
    {
        if (attempt >= MaxAttempts) throw new RegistryConflictException(id, attempt);
        return Task.Delay(Random.Shared.Next(1, 2 + Math.Min(attempt, 20)));
    }

    private static RedisValue Encode(Node node) => JsonSerializer.SerializeToUtf8Bytes(node, GilmourJson.Default.Node);

    private static RedisValue Announcement(string id, string kind, long revision) =>
        JsonSerializer.SerializeToUtf8Bytes(new RegistryChange(id, kind, revision), GilmourJson.Default.RegistryChange);

    private static Node? TryDecode(RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize((byte[])value!, GilmourJson.Default.Node);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Node Decode(string id, RedisValue value)
    {
        try
        {
            return JsonSerializer.Deserialize((byte[])value!, GilmourJson.Default.Node)
                ?? throw new InvalidDataException($"{RegistryKeys.Node(id)} holds null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{RegistryKeys.Node(id)} does not hold a node: {e.Message}", e);
        }
    }
}
