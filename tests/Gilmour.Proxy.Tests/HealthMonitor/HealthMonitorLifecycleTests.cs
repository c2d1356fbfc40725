using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>HealthMonitors that die or run as several replicas. Each test owns its proxy.</summary>
public sealed class HealthMonitorLifecycleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killed_HealthMonitor_is_replaced_without_losing_a_registration_and_its_successor_probes()
    {
        await using var proxy = await ProxyHarness.StartAsync(HealthProxy.Settings);
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var service = DeliveryProxy.Topic("watched");
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(service, "/s"));

        await proxy.Service(ProxyHarness.HealthMonitor).KillAsync();
        await proxy.StartServiceAsync(ProxyHarness.HealthMonitor);
        // The dead monitor's lease runs out (half an interval), then the new one probes.
        var probes = node.HealthProbes;
        await Eventually.HoldsAsync(() => node.HealthProbes > probes + 1, TimeSpan.FromSeconds(30), () => proxy.Logs);

        Assert.Equal(NodeStatus.Ok, await bus.StatusAsync(id));
        Assert.Equal(1, await bus.ListenersAsync(Channels.Request(service)));
        Assert.Equal(200, (await bus.RequestAsync(service, "{}")).Code);
        node.HealthStatus = 500;
        await bus.StatusBecomesAsync(id, NodeStatus.Unavailable, logs: () => proxy.Logs);
        await bus.ListenersBecomeAsync(Channels.Request(service), 0, logs: () => proxy.Logs);
    }

    [Fact]
    public async Task Only_the_lease_holder_probes_and_another_replica_takes_over_when_it_dies()
    {
        var interval = TimeSpan.FromSeconds(2);
        // Redis announces every SET of a string key, among them each take of the lease (a renewal is an EXPIRE).
        await using var redis = new RedisServer { ExtraArguments = ["--notify-keyspace-events", "K$"] };
        await redis.StartAsync();
        await using var keyspace = await redis.ConnectAsync();
        var leaseEvents = new ConcurrentQueue<string>();
        var leaseChannel = RedisChannel.Literal($"__keyspace@0__:{RegistryKeys.HealthMonitorLease}");
        (await keyspace.GetSubscriber().SubscribeAsync(leaseChannel)).OnMessage(message => leaseEvents.Enqueue(message.Message.ToString()));

        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__HealthMonitor__IntervalSeconds"] = interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "1",
        }, redis);
        await proxy.StartServiceAsync(ProxyHarness.HealthMonitor);
        var monitors = proxy.Services.Where(s => s.Name == ProxyHarness.HealthMonitor).ToList();
        int[] monitorIds = [.. monitors.Select(m => m.ProcessId)];
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        // Which replica sent each probe, in the order they came. The registration's own pre-check comes from the
        // ControlApi and a probe its monitor gave up on may find its connection closed: neither is counted.
        var probers = new ConcurrentQueue<int>();
        node.HealthProbeArrived = connection =>
        {
            if (SocketOwner.Find(connection.RemotePort, node.Port, monitorIds) is { } prober) probers.Enqueue(prober);
        };
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(DeliveryProxy.Topic("leased"), "/s"));

        // Who probed, not when: the holder probes alone, and the prober changes only when the lease changes hands. A
        // loaded machine may delay a renewal past the lease's lifetime; the other replica then takes the lease over,
        // and a round the old holder began just before may still land among the new holder's probes: at most three
        // changes of prober for each take after the first.
        await Eventually.HoldsAsync(() => probers.Count >= 6, TimeSpan.FromSeconds(60), () => $"{probers.Count} probes by a monitor\n{proxy.Logs}");
        int[] sequence = [.. probers];

        // The holder's lease lives half an interval past its last renewal, so Redis frees it that soon after the holder
        // dies; the survivor asks every sixth of an interval (HealthMonitorLeaseTests), takes it, and probes at once.
        var db = bus.Redis.GetDatabase();
        string? holder = null;
        TimeSpan? lease = null;
        await Eventually.HoldsAsync(async () =>
        {
            holder = await db.StringGetAsync(RegistryKeys.HealthMonitorLease);
            lease = await db.KeyTimeToLiveAsync(RegistryKeys.HealthMonitorLease);
            return holder is not null && lease is not null;
        }, TimeSpan.FromSeconds(30), () => "nobody holds the lease");
        Assert.True(lease <= interval / 2, $"the lease has {lease} to live, more than half an interval");
        var leader = monitors.Single(s => holder!.Contains($"-pid-{s.ProcessId}-"));
        var survivor = monitors.Single(s => s != leader);

        // Counted after the holder was read, so that a lease taken only once was the leader's all along.
        var takes = await LeaseTakesAsync(keyspace, leaseChannel, leaseEvents);
        var changes = sequence.Zip(sequence.Skip(1)).Count(pair => pair.First != pair.Second);
        output.WriteLine($"probes by {string.Join(" ", sequence)}; the lease was taken {takes} times, held by {leader.ProcessId}");
        Assert.True(changes <= 3 * (takes - 1),
            $"the prober changed {changes} times in {string.Join(" ", sequence)}, the lease was taken {takes} times: more than one replica probes\n{proxy.Logs}");
        if (takes == 1) Assert.All(sequence, prober => Assert.Equal(leader.ProcessId, prober));

        await leader.KillAsync();
        var killed = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () => ((string?)await db.StringGetAsync(RegistryKeys.HealthMonitorLease))?.Contains($"-pid-{survivor.ProcessId}-") == true,
            TimeSpan.FromSeconds(30), () => $"the survivor never took the lease\n{proxy.Logs}");
        var probedBefore = probers.Count;
        await Eventually.HoldsAsync(() => probers.Skip(probedBefore).Contains(survivor.ProcessId), TimeSpan.FromSeconds(30),
            () => $"the survivor holds the lease and does not probe\n{proxy.Logs}");
        output.WriteLine($"takeover: the survivor probed {killed.Elapsed.TotalMilliseconds:F0} ms after the holder was killed (interval {interval.TotalMilliseconds} ms)");
        node.HealthStatus = 500;
        await bus.StatusBecomesAsync(id, NodeStatus.Unavailable, TimeSpan.FromSeconds(30), () => proxy.Logs);
    }

    /// <summary>
    /// How many times the lease was taken so far: a marker published on the channel of its events after the takes
    /// comes after all of them, so once the marker is in, so is every take before it.
    /// </summary>
    private static async Task<int> LeaseTakesAsync(IConnectionMultiplexer redis, RedisChannel channel, ConcurrentQueue<string> events)
    {
        var marker = $"marker-{Guid.NewGuid():N}";
        await redis.GetSubscriber().PublishAsync(channel, marker);
        await Eventually.HoldsAsync(() => events.Contains(marker), TimeSpan.FromSeconds(30), () => "the marker never came back");
        return events.TakeWhile(e => e != marker).Count(e => e == "set");
    }
}
