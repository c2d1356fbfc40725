using System.Collections.Concurrent;
using System.Globalization;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>Nodes whose process died and that nobody deleted go away after Gilmour:HealthMonitor:DirtyNodeTtlSeconds.</summary>
public sealed class DirtyNodeExpiryTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task A_node_dirty_longer_than_the_ttl_is_removed_by_one_replica_and_announced_once()
    {
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__HealthMonitor__IntervalSeconds"] = "0.5",
            ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.4",
            ["Gilmour__HealthMonitor__DirtyNodeTtlSeconds"] = Ttl.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        });
        await proxy.StartServiceAsync(ProxyHarness.HealthMonitor);
        await using var redis = await proxy.Redis.ConnectAsync();
        var registry = new NodeRegistry(redis);
        var removals = new ConcurrentQueue<(RegistryChange Change, DateTimeOffset At)>();
        await using var listening = await new RegistryChanges(redis).SubscribeAsync(change =>
        {
            if (change.Kind == RegistryChange.Removed) removals.Enqueue((change, DateTimeOffset.UtcNow));
        });
        await using var dying = await TestNode.StartAsync();
        await using var living = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(dying.Port);
        await proxy.Control.RegisterNodeAsync(living.Port);
        var registered = (await registry.GetAsync(id))!;
        var stopped = DateTimeOffset.UtcNow;

        await dying.StopAsync();

        // Refused connections make it dirty, and the change of status is stamped. The node stays dirty only for the
        // TTL and part of a round, which a stalled test could sleep through, so the stamp is read from the removal's
        // log line, not by watching for the dirty status: only a node still dirty is removed, and the line says since when.
        await Eventually.HoldsAsync(async () => await registry.GetAsync(id) is null, TimeSpan.FromSeconds(30), () => proxy.Logs);
        // The announcement and the log line travel on their own (Redis pub/sub, the process's output): the node can be
        // gone from the registry a moment before either reaches this test.
        await Eventually.HoldsAsync(() => removals.Any(r => r.Change.Id == id), TimeSpan.FromSeconds(15), () => "no removal announced\n" + proxy.Logs);
        await Eventually.HoldsAsync(() => RemovalLogLines(proxy, id) > 0, TimeSpan.FromSeconds(15), () => "no removal logged\n" + proxy.Logs);

        var dirtySince = DirtySince(proxy, id);
        Assert.True(dirtySince >= stopped, $"dirty since {dirtySince:o}, stopped at {stopped:o}");
        var removal = Assert.Single(removals, r => r.Change.Id == id);
        Assert.True(removal.At >= dirtySince + Ttl, $"removed at {removal.At:o}, dirty since {dirtySince:o}");
        var database = redis.GetDatabase();
        Assert.False(await database.SetContainsAsync(RegistryKeys.NodeIndex, id));
        Assert.False(await database.HashExistsAsync(Channels.KnownHostHealth, registered.Ident));
        Assert.False(await database.HashExistsAsync(RegistryKeys.TokenIndex, registered.TokenHash));
        Assert.Equal(1, RemovalLogLines(proxy, id));

        // Later rounds (the living node is probed in each) find nothing more to remove.
        var probes = living.HealthProbes;
        await Eventually.HoldsAsync(() => living.HealthProbes >= probes + 3, TimeSpan.FromSeconds(15), () => proxy.Logs);
        Assert.Single(removals, r => r.Change.Id == id);
        // The living node stays registered. Its status may dip to unavailable when a 0.4 s probe times out on a busy
        // machine, and the next probe that succeeds brings it back to ok.
        await Eventually.HoldsAsync(async () => await registry.ListAsync() is [{ Status: NodeStatus.Ok }], TimeSpan.FromSeconds(15),
            () => "the living node is not the one ok node left\n" + proxy.Logs);
        Assert.Equal(1, RemovalLogLines(proxy, id));
    }

    /// <summary>When the node turned dirty, as the removal's log line gives it ("dirty since {Since:o}").</summary>
    private static DateTimeOffset DirtySince(ProxyHarness proxy, string id)
    {
        var prefix = $"Node {id} removed: dirty since ";
        var line = proxy.Services.Where(s => s.Name == ProxyHarness.HealthMonitor)
            .SelectMany(s => s.Output.Split('\n')).First(l => l.Contains(prefix, StringComparison.Ordinal));
        var since = line[(line.IndexOf(prefix, StringComparison.Ordinal) + prefix.Length)..].Split(',')[0];
        return DateTimeOffset.ParseExact(since, "o", CultureInfo.InvariantCulture);
    }

    /// <summary>How many HealthMonitor replicas logged that they removed the node.</summary>
    private static int RemovalLogLines(ProxyHarness proxy, string id) =>
        proxy.Services.Count(s => s.Name == ProxyHarness.HealthMonitor && s.Output.Contains($"Node {id} removed: dirty since"));
}
