using Gilmour.Protocol;
using Gilmour.Registry;

namespace Gilmour.Core.Tests.Registry;

public sealed class RegistryMemoryTests : RegistryOnRedis
{
    [Fact]
    public async Task Registry_lost_with_Redis_data_is_put_back_with_revisions_and_health_idents()
    {
        var memory = new RegistryMemory(Registry, Redis);
        var first = SampleNodes.New();
        var second = SampleNodes.New();
        await Registry.AddAsync(first);
        await Registry.AddAsync(second);
        await Registry.UpdateAsync(second.Id, node => node with { Status = NodeStatus.Unavailable });
        var seen = await memory.ListAsync();

        await FlushAsync();
        var listed = await memory.ListAsync();

        Assert.Equal(seen.Select(n => (n.Id, n.Revision, n.Status)), listed.Select(n => (n.Id, n.Revision, n.Status)));
        Assert.Equal(2, memory.Restored);
        Assert.True(await Database.HashExistsAsync(Channels.KnownHostHealth, first.Ident));
        Assert.True(await Database.KeyExistsAsync(RegistryKeys.Generation));
    }

    [Fact]
    public async Task Nothing_is_restored_while_Redis_keeps_its_data_and_a_deleted_node_stays_deleted()
    {
        var memory = new RegistryMemory(Registry, Redis);
        var kept = SampleNodes.New();
        var deleted = SampleNodes.New();
        await Registry.AddAsync(kept);
        await Registry.AddAsync(deleted);
        await memory.ListAsync();

        await Registry.RemoveAsync(deleted.Id);
        var listed = await memory.ListAsync();

        Assert.Equal([kept.Id], listed.Select(n => n.Id));
        Assert.Equal(0, memory.Restored);
    }

    [Fact]
    public async Task Two_replicas_restoring_at_once_put_each_node_back_once()
    {
        var node = SampleNodes.New();
        await Registry.AddAsync(node);
        await using var other = await Server.ConnectAsync();
        var mine = new RegistryMemory(Registry, Redis);
        var theirs = new RegistryMemory(new NodeRegistry(other), other);
        await Task.WhenAll(mine.ListAsync(), theirs.ListAsync());

        await FlushAsync();
        var lists = await Task.WhenAll(mine.ListAsync(), theirs.ListAsync());

        Assert.All(lists, list => Assert.Equal([node.Id], list.Select(n => n.Id)));
        Assert.Equal(1, mine.Restored + theirs.Restored);
    }
}
