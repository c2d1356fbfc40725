using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Registry;

public sealed class NodeRegistryTests : RegistryOnRedis
{
    /// <summary>Every key in Redis with its content, to prove a refused write changed nothing.</summary>
    private async Task<string> SnapshotAsync()
    {
        var server = Redis.GetServer("127.0.0.1", Server.Port);
        var lines = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            var type = await Database.KeyTypeAsync(key);
            var content = type switch
            {
                RedisType.String => (string?)await Database.StringGetAsync(key),
                RedisType.Set => string.Join(",", (await Database.SetMembersAsync(key)).Select(m => (string?)m).Order()),
                RedisType.Hash => string.Join(",", (await Database.HashGetAllAsync(key)).Select(e => $"{e.Name}={e.Value}").Order()),
                _ => type.ToString(),
            };
            lines.Add($"{key} {type} {content}");
        }
        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines);
    }

    /// <summary>Another process writing the node between our read and our EXEC.</summary>
    private static void RivalWrite(ConnectionMultiplexer other, Node node) =>
        other.GetDatabase().StringSet(RegistryKeys.Node(node.Id), SampleNodes.Json(node));

    [Fact]
    public async Task Node_round_trips_through_redis_as_snake_case_json()
    {
        var node = SampleNodes.New();

        Assert.True(await Registry.AddAsync(node));

        var stored = node with { Revision = 1 };
        SampleNodes.Same(stored, await Registry.GetAsync(node.Id));
        SampleNodes.Same(stored, Assert.Single(await Registry.ListAsync()));
        using var raw = JsonDocument.Parse((string)(await Database.StringGetAsync(RegistryKeys.Node(node.Id)))!);
        Assert.Equal(
            ["health_check", "host", "id", "ident", "max_concurrency", "port", "registered_at", "revision", "services", "slots", "status"],
            raw.RootElement.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal("ok", raw.RootElement.GetProperty("status").GetString());
        Assert.Equal(
            ["group", "path", "timeout", "topic"],
            raw.RootElement.GetProperty("services")[0].EnumerateObject().Select(p => p.Name).Order());
        Assert.False(raw.RootElement.GetProperty("slots")[0].TryGetProperty("group", out _), "an absent group is not written");
    }

    [Fact]
    public async Task Add_stores_revision_1_indexes_the_node_and_registers_its_health_ident()
    {
        var node = SampleNodes.New() with { Revision = 17 };

        Assert.True(await Registry.AddAsync(node));

        Assert.Equal(1, (await Registry.GetAsync(node.Id))!.Revision);
        Assert.True(await Database.SetContainsAsync(RegistryKeys.NodeIndex, node.Id));
        Assert.Equal("true", (string?)await Database.HashGetAsync(Channels.KnownHostHealth, node.Ident));
    }

    [Fact]
    public async Task Add_of_an_existing_id_is_refused_and_changes_nothing()
    {
        var node = SampleNodes.New();
        Assert.True(await Registry.AddAsync(node));
        var before = await SnapshotAsync();

        var added = await Registry.AddAsync(node with { Port = 9999, Ident = "another-ident" });

        Assert.False(added);
        Assert.Equal(before, await SnapshotAsync());
        Assert.False(await Database.HashExistsAsync(Channels.KnownHostHealth, "another-ident"));
    }

    [Fact]
    public async Task Node_breaking_a_rule_is_refused_before_anything_is_written()
    {
        var before = await SnapshotAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => Registry.AddAsync(SampleNodes.New() with { Port = 0 }));
        var node = SampleNodes.New();
        var twoEchoServices = node with { Services = [.. node.Services, new Subscription("echo", "echoers", "/other")] };
        await Assert.ThrowsAsync<ArgumentException>(() => Registry.AddAsync(twoEchoServices));

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Update_stores_the_change_with_the_next_revision()
    {
        var node = SampleNodes.New();
        await Registry.AddAsync(node);

        var updated = await Registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Unavailable, Revision = 99 });

        Assert.NotNull(updated!.StatusSince);
        var expected = node with { Status = NodeStatus.Unavailable, Revision = 2, StatusSince = updated.StatusSince };
        SampleNodes.Same(expected, updated);
        SampleNodes.Same(expected, await Registry.GetAsync(node.Id));
    }

    [Fact]
    public async Task Update_whose_change_returns_null_writes_nothing()
    {
        var node = SampleNodes.New();
        await Registry.AddAsync(node);
        var before = await SnapshotAsync();

        var result = await Registry.UpdateAsync(node.Id, _ => null);

        SampleNodes.Same(node with { Revision = 1 }, result);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Update_breaking_a_rule_or_changing_the_identity_is_refused_and_changes_nothing()
    {
        var node = SampleNodes.New();
        await Registry.AddAsync(node);
        var before = await SnapshotAsync();

        await Assert.ThrowsAsync<ArgumentException>(() =>
            Registry.UpdateAsync(node.Id, n => n with { Slots = [.. n.Slots, n.Slots[0]] }));
        await Assert.ThrowsAsync<ArgumentException>(() =>
            Registry.UpdateAsync(node.Id, n => n with { Services = [new Subscription("wild.*", "g", "/w")] }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Registry.UpdateAsync(node.Id, n => n with { Id = "other" }));
        await Assert.ThrowsAsync<InvalidOperationException>(() => Registry.UpdateAsync(node.Id, n => n with { Ident = "other" }));

        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task Update_and_remove_of_an_unknown_id_return_null_and_create_nothing()
    {
        var called = false;

        Assert.Null(await Registry.UpdateAsync("no-such-node", n => { called = true; return n; }));
        Assert.Null(await Registry.RemoveAsync("no-such-node"));

        Assert.False(called);
        Assert.Equal("", await SnapshotAsync());
    }

    [Fact]
    public async Task Concurrent_updates_from_two_processes_lose_no_change()
    {
        var node = SampleNodes.New() with { Slots = [] };
        await Registry.AddAsync(node);
        await using var other = await Server.ConnectAsync();
        var registries = new[] { Registry, new NodeRegistry(other) };
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var updates = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            await go.Task;
            return await registries[i % 2].UpdateAsync(node.Id,
                n => n with { Slots = [.. n.Slots, new Subscription($"topic.{i}", null, $"/slot/{i}")] });
        })).ToArray();
        go.SetResult();
        var results = await Task.WhenAll(updates);

        var stored = (await Registry.GetAsync(node.Id))!;
        Assert.Equal(21, stored.Revision);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"topic.{i}").Order(), stored.Slots.Select(s => s.Topic).Order());
        // Each writer saw its own commit: revisions 2..21, each exactly once.
        Assert.Equal(Enumerable.Range(2, 20).Select(r => (long)r), results.Select(r => r!.Revision).Order());
    }

    [Fact]
    public async Task Attempt_that_loses_the_race_writes_nothing_and_is_retried_on_the_new_value()
    {
        var node = SampleNodes.New();
        await Registry.AddAsync(node);
        await using var other = await Server.ConnectAsync();
        var attempts = new List<long>();

        var updated = await Registry.UpdateAsync(node.Id, n =>
        {
            attempts.Add(n.Revision);
            // Between this read and our EXEC another process commits a change: our first EXEC must fail whole.
            // (The change callback is synchronous by contract, hence the synchronous rival write.)
            if (attempts.Count == 1) RivalWrite(other, n with { Port = 7000, Revision = n.Revision + 1 });
            return n with { MaxConcurrency = 9 };
        });

        Assert.Equal([1L, 2L], attempts);
        Assert.Equal((3L, 7000, 9), (updated!.Revision, updated.Port, updated.MaxConcurrency));
        SampleNodes.Same(updated, await Registry.GetAsync(node.Id));
    }

    [Fact]
    public async Task Update_that_always_loses_the_race_gives_up_and_leaves_only_the_rival_writes()
    {
        var node = SampleNodes.New();
        await Registry.AddAsync(node);
        await using var other = await Server.ConnectAsync();

        var error = await Assert.ThrowsAsync<RegistryConflictException>(() => Registry.UpdateAsync(node.Id, n =>
        {
            RivalWrite(other, n with { Port = n.Port + 1, Revision = n.Revision + 1 });
            return n with { Status = NodeStatus.Dirty };
        }));

        Assert.Equal(NodeRegistry.MaxAttempts, error.Attempts);
        var stored = (await Registry.GetAsync(node.Id))!;
        Assert.Equal((NodeStatus.Ok, 1L + NodeRegistry.MaxAttempts, node.Port + NodeRegistry.MaxAttempts),
            (stored.Status, stored.Revision, stored.Port));
    }

    [Fact]
    public async Task Remove_deletes_the_key_the_index_member_and_the_health_ident_and_nothing_else()
    {
        var kept = SampleNodes.New();
        var removed = SampleNodes.New(port: 9000);
        await Registry.AddAsync(kept);
        await Registry.AddAsync(removed);
        await Registry.UpdateAsync(removed.Id, n => n with { Status = NodeStatus.Dirty });
        await Database.HashSetAsync(Channels.KnownHostHealth, "native-ruby-process", "active");

        var result = await Registry.RemoveAsync(removed.Id);

        SampleNodes.Same(removed with { Status = NodeStatus.Dirty, Revision = 2, StatusSince = result!.StatusSince }, result);
        Assert.False(await Database.KeyExistsAsync(RegistryKeys.Node(removed.Id)));
        Assert.False(await Database.SetContainsAsync(RegistryKeys.NodeIndex, removed.Id));
        Assert.False(await Database.HashExistsAsync(Channels.KnownHostHealth, removed.Ident));
        Assert.Null(await Registry.GetAsync(removed.Id));
        SampleNodes.Same(kept with { Revision = 1 }, Assert.Single(await Registry.ListAsync()));
        Assert.True(await Database.HashExistsAsync(Channels.KnownHostHealth, kept.Ident));
        Assert.Equal("active", (string?)await Database.HashGetAsync(Channels.KnownHostHealth, "native-ruby-process"));
    }

    [Fact]
    public async Task List_returns_every_node_oldest_first_and_skips_ids_whose_key_vanished()
    {
        var older = SampleNodes.New() with { RegisteredAt = DateTimeOffset.UnixEpoch.AddDays(1) };
        var newer = SampleNodes.New() with { RegisteredAt = DateTimeOffset.UnixEpoch.AddDays(2) };
        await Registry.AddAsync(newer);
        await Registry.AddAsync(older);
        // What SMEMBERS can return for a node removed before the MGET.
        await Database.SetAddAsync(RegistryKeys.NodeIndex, "vanished");

        var nodes = await Registry.ListAsync();

        Assert.Equal([older.Id, newer.Id], nodes.Select(n => n.Id));
    }

    [Fact]
    public async Task List_leaves_out_an_unreadable_entry_and_still_returns_the_others()
    {
        var good = SampleNodes.New();
        await Registry.AddAsync(good);
        await Database.SetAddAsync(RegistryKeys.NodeIndex, "corrupt");
        await Database.StringSetAsync(RegistryKeys.Node("corrupt"), "{not a node");

        var nodes = await Registry.ListAsync();

        Assert.Equal([good.Id], nodes.Select(n => n.Id));
        await Assert.ThrowsAsync<InvalidDataException>(() => Registry.GetAsync("corrupt"));
    }

    [Fact]
    public async Task List_of_an_empty_registry_is_empty()
    {
        Assert.Empty(await Registry.ListAsync());
    }
}
