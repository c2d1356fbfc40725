using Gilmour.Core.Tests.Support;
using Gilmour.Registry;

namespace Gilmour.Core.Tests.Registry;

/// <summary>What the registry keeps beside a node's own fields: its token's hash index and when its status last changed.</summary>
public sealed class NodeRegistryCredentialsTests : RegistryOnRedis
{
    private const string Hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public async Task A_token_hash_is_indexed_with_its_node_and_leaves_with_it()
    {
        var node = SampleNodes.New() with { TokenHash = Hash };

        Assert.True(await Registry.AddAsync(node));
        Assert.Equal(node.Id, await Registry.TokenOwnerAsync(Hash));
        Assert.Null(await Registry.TokenOwnerAsync("0" + Hash[1..]));

        await Registry.RemoveAsync(node.Id);

        Assert.Null(await Registry.TokenOwnerAsync(Hash));
        Assert.False(await Database.KeyExistsAsync(RegistryKeys.TokenIndex));
    }

    [Fact]
    public async Task A_restored_node_gets_its_token_index_back()
    {
        var node = SampleNodes.New() with { TokenHash = Hash, Revision = 7 };
        await FlushAsync();

        Assert.True(await Registry.RestoreAsync(node));

        Assert.Equal(node.Id, await Registry.TokenOwnerAsync(Hash));
    }

    [Fact]
    public async Task An_update_may_not_change_the_token_hash()
    {
        var node = SampleNodes.New() with { TokenHash = Hash };
        await Registry.AddAsync(node);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Registry.UpdateAsync(node.Id, n => n with { TokenHash = null }));

        Assert.Equal(Hash, (await Registry.GetAsync(node.Id))!.TokenHash);
        Assert.Equal(1, (await Registry.GetAsync(node.Id))!.Revision);
    }

    [Fact]
    public async Task A_change_of_status_is_stamped_with_the_registry_clock_and_other_changes_keep_the_stamp()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.Zero));
        var registry = new NodeRegistry(Redis, clock);
        var node = SampleNodes.New();
        await registry.AddAsync(node);

        var dirty = await registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Dirty });
        var moved = await registry.UpdateAsync(node.Id, n => n with { Port = n.Port + 1 });
        var stated = await registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Ok, StatusSince = clock.GetUtcNow().AddHours(-1) });

        Assert.Equal(clock.GetUtcNow(), dirty!.StatusSince);
        Assert.Equal(clock.GetUtcNow(), moved!.StatusSince);
        Assert.Equal(clock.GetUtcNow().AddHours(-1), stated!.StatusSince);
        Assert.Equal(stated.StatusSince, (await registry.GetAsync(node.Id))!.StatusSince);
    }

    [Fact]
    public async Task A_conditional_removal_keeps_a_node_the_condition_refuses()
    {
        var node = SampleNodes.New() with { TokenHash = Hash };
        await Registry.AddAsync(node);

        var kept = await Registry.RemoveIfAsync(node.Id, n => n.Status == NodeStatus.Dirty);
        await Registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Dirty });
        var removed = await Registry.RemoveIfAsync(node.Id, n => n.Status == NodeStatus.Dirty);

        Assert.Null(kept);
        Assert.Equal(node.Id, removed?.Id);
        Assert.Null(await Registry.GetAsync(node.Id));
        Assert.Null(await Registry.TokenOwnerAsync(Hash));
    }
}
