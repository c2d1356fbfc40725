using Gilmour.Failover;
using StackExchange.Redis;

namespace Gilmour.Registry;

/// <summary>
/// Remembers the registry as a service last saw it, so that when Redis comes back empty (restarted without
/// persistence) the nodes are put back instead of silently forgotten.
/// </summary>
/// <remarks>
/// Redis losing its data is recognised by <see cref="RegistryKeys.Generation"/>: a random id set once per data set.
/// When it is missing, or differs from the one the memory was taken under, every remembered node is restored
/// (revision included, so dispatchers see no change) with <see cref="NodeRegistry.RestoreAsync"/>, which keeps
/// whatever is already there: replicas restoring at once, or a node registered again meanwhile, win. What is
/// remembered: each full listing framed by one generation, and every node read or found gone in between. A node
/// deleted while this service did not see it (less than one listing before the loss) may come back: the price of
/// not forgetting.
/// </remarks>
public sealed class RegistryMemory(NodeRegistry registry, IConnectionMultiplexer redis)
{
    private readonly Lock _gate = new();
    private Dictionary<string, Node> _remembered = new(StringComparer.Ordinal);
    private string? _generation;
    private int _restored;

    /// <summary>Nodes put back since this process started.</summary>
    public int Restored => _restored;

    /// <summary>Lists the registry, after putting it back if Redis lost it.</summary>
    public async Task<IReadOnlyList<Node>> ListAsync()
    {
        var generation = await RestoreIfLostAsync();
        var nodes = await registry.ListAsync();
        // Redis may have lost its data between the reads: a list read from an empty Redis must not replace the
        // memory, or there would be nothing left to restore. Only a list framed by one generation counts.
        if (await CurrentGenerationAsync() == generation)
            lock (_gate) _remembered = nodes.ToDictionary(node => node.Id, StringComparer.Ordinal);
        return nodes;
    }

    /// <summary>Reads one node; when it is not there because Redis lost its data, puts the registry back first.</summary>
    /// <remarks>A node that is there costs one round trip: the generation is only asked about a missing one.</remarks>
    public async Task<Node?> GetAsync(string id)
    {
        var node = await registry.GetAsync(id);
        if (node is null)
        {
            var generation = await RestoreIfLostAsync();
            node = await registry.GetAsync(id);
            // Forgotten only when it is gone from a data set that stayed the same while it was read.
            if (node is null && await CurrentGenerationAsync() == generation)
                lock (_gate) _remembered.Remove(id);
            return node;
        }
        lock (_gate) _remembered[id] = node;
        return node;
    }

    /// <returns>The generation of the data set now in Redis.</returns>
    private async Task<string> RestoreIfLostAsync()
    {
        var generation = await CurrentGenerationAsync();
        List<Node> remembered;
        lock (_gate)
        {
            if (generation is not null && (_generation is null || _generation == generation))
            {
                _generation = generation;
                return generation;
            }
            remembered = [.. _remembered.Values];
        }

        foreach (var node in remembered)
            if (await registry.RestoreAsync(node)) Interlocked.Increment(ref _restored);
        if (generation is null)
        {
            await RedisPrimary.Of(redis).RunAsync(redis.GetDatabase(), static database =>
                database.StringSetAsync(RegistryKeys.Generation, Guid.NewGuid().ToString("N"), null, When.NotExists, RedisPrimary.Only));
            generation = await CurrentGenerationAsync() ?? throw new RedisException("the registry generation vanished as it was set");
        }
        lock (_gate) _generation = generation;
        return generation;
    }

    private async Task<string?> CurrentGenerationAsync() =>
        await RedisPrimary.Of(redis).RunAsync(redis.GetDatabase(), static database =>
            database.StringGetAsync(RegistryKeys.Generation, RedisPrimary.Only));
}
