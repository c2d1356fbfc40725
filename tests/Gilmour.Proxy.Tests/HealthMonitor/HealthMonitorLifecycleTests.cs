using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Testing;
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
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__HealthMonitor__IntervalSeconds"] = interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "1",
        });
        await proxy.StartServiceAsync(ProxyHarness.HealthMonitor);
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(DeliveryProxy.Topic("leased"), "/s"));

        // A prober starts its rounds an interval apart at the earliest, so six probes by one replica span five
        // intervals; two probing would fit six into less than three. A loaded machine only spreads them further, but
        // it may also delay a renewal past the lease's lifetime: the other replica then takes the lease over and probes
        // at once, up to an interval early. Each such takeover is logged, and each allows one interval less.
        // The registration's own pre-check is the first GET; the count starts after the monitors' first.
        await Eventually.HoldsAsync(() => node.HealthProbes >= 2, TimeSpan.FromSeconds(30), () => proxy.Logs);
        var first = node.HealthProbes;
        // One probe more than counted: a takeover's log line has long been read by then.
        await Eventually.HoldsAsync(() => node.HealthProbes >= first + 7, TimeSpan.FromSeconds(60), () => proxy.Logs);
        var times = node.HealthProbeTimes;
        var span = Stopwatch.GetElapsedTime(times[first], times[first + 5]);
        var takeovers = proxy.Services.Where(s => s.Name == ProxyHarness.HealthMonitor).Sum(s => Occurrences(s.Output, LeaseTaken)) - 1;
        output.WriteLine($"six probes in {span.TotalSeconds:F2} s at one round per {interval.TotalSeconds} s, {takeovers} takeovers of the lease");
        Assert.True(span >= interval * (4 - takeovers),
            $"six probes within {span.TotalSeconds:F2} s with {takeovers} takeovers: more than one replica probes\n{proxy.Logs}");

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
        var leader = proxy.Services.Single(s => s.Name == ProxyHarness.HealthMonitor && holder!.Contains($"-pid-{s.ProcessId}-"));
        var survivor = proxy.Services.Single(s => s.Name == ProxyHarness.HealthMonitor && s != leader);
        await leader.KillAsync();
        var killed = Stopwatch.StartNew();
        await Eventually.HoldsAsync(async () => ((string?)await db.StringGetAsync(RegistryKeys.HealthMonitorLease))?.Contains($"-pid-{survivor.ProcessId}-") == true,
            TimeSpan.FromSeconds(30), () => $"the survivor never took the lease\n{proxy.Logs}");
        var probesAtTakeover = node.HealthProbes;
        await Eventually.HoldsAsync(() => node.HealthProbes > probesAtTakeover, TimeSpan.FromSeconds(30), () => proxy.Logs);
        output.WriteLine($"takeover: the survivor probed {killed.Elapsed.TotalMilliseconds:F0} ms after the holder was killed (interval {interval.TotalMilliseconds} ms)");
        node.HealthStatus = 500;
        await bus.StatusBecomesAsync(id, NodeStatus.Unavailable, TimeSpan.FromSeconds(30), () => proxy.Logs);
    }

    private const string LeaseTaken = "now probes the nodes";

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}
