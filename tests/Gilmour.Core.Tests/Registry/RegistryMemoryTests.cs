using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Registry;

public sealed class RegistryMemoryTests : IAsyncLifetime
{
    private readonly RedisServer _server = new();
    private ConnectionMultiplexer _redis = null!;
    private NodeRegistry _registry = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _redis = await _server.ConnectAsync();
        _registry = new NodeRegistry(_redis);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.StopAsync();
    }

    [Fact]
    public async Task Registry_lost_with_Redis_data_is_put_back_with_revisions_and_health_idents()
    {
        var memory = new RegistryMemory(_registry, _redis);
        var first = SampleNodes.New();
        var second = SampleNodes.New();
        await _registry.AddAsync(first);
        await _registry.AddAsync(second);
        await _registry.UpdateAsync(second.Id, node => node with { Status = NodeStatus.Unavailable });
        var seen = await memory.ListAsync();

        await _redis.GetServer("127.0.0.1", _server.Port).FlushAllDatabasesAsync();
        var listed = await memory.ListAsync();

        Assert.Equal(seen.Select(n => (n.Id, n.Revision, n.Status)), listed.Select(n => (n.Id, n.Revision, n.Status)));
        Assert.Equal(2, memory.Restored);
        Assert.True(await _redis.GetDatabase().HashExistsAsync(Channels.KnownHostHealth, first.Ident));
        Assert.True(await _redis.GetDatabase().KeyExistsAsync(RegistryKeys.Generation));
    }

    [Fact]
    public async Task Nothing_is_restored_while_Redis_keeps_its_data_and_a_deleted_node_stays_deleted()
    {
        var memory = new RegistryMemory(_registry, _redis);
        var kept = SampleNodes.New();
        var deleted = SampleNodes.New();
        await _registry.AddAsync(kept);
        await _registry.AddAsync(deleted);
        await memory.ListAsync();

        await _registry.RemoveAsync(deleted.Id);
        var listed = await memory.ListAsync();

        Assert.Equal([kept.Id], listed.Select(n => n.Id));
        Assert.Equal(0, memory.Restored);
    }

    [Fact]
    public async Task Two_replicas_restoring_at_once_put_each_node_back_once()
    {
        var node = SampleNodes.New();
        await _registry.AddAsync(node);
        await using var other = await _server.ConnectAsync();
        var mine = new RegistryMemory(_registry, _redis);
        var theirs = new RegistryMemory(new NodeRegistry(other), other);
        await Task.WhenAll(mine.ListAsync(), theirs.ListAsync());

        await _redis.GetServer("127.0.0.1", _server.Port).FlushAllDatabasesAsync();
        var lists = await Task.WhenAll(mine.ListAsync(), theirs.ListAsync());

        Assert.All(lists, list => Assert.Equal([node.Id], list.Select(n => n.Id)));
        Assert.Equal(1, mine.Restored + theirs.Restored);
    }
}
