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
        await Eventually.HoldsAsync(() => node.HealthProbes > probes + 1, TimeSpan.FromSeconds(15), () => proxy.Logs);

        Assert.Equal(NodeStatus.Ok, await bus.StatusAsync(id));
        Assert.Equal(1, await bus.ListenersAsync(Channels.Request(service)));
        Assert.Equal(200, (await bus.RequestAsync(service, "{}")).Code);
        node.HealthStatus = 500;
        await bus.StatusBecomesAsync(id, NodeStatus.Unavailable, logs: () => proxy.Logs);
        await bus.ListenersBecomeAsync(Channels.Request(service), 0, logs: () => proxy.Logs);
    }

    [Fact]
    public async Task Only_the_lease_holder_probes_and_another_replica_takes_over_within_one_interval_when_it_dies()
    {
        // A 2 s interval: the takeover (at most two thirds of it) is measured against it with room for a busy machine.
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

        // Probing happens once per interval: in an 8 s window one prober makes about 4 probes, two would make 8.
        // The registration's own pre-check is the first GET; wait for the monitors' first.
        await Eventually.HoldsAsync(() => node.HealthProbes >= 2, TimeSpan.FromSeconds(10), () => proxy.Logs);
        var before = node.HealthProbes;
        await Task.Delay(interval * 4);
        var probed = node.HealthProbes - before;
        Assert.True(probed is >= 2 and <= 6, $"{probed} probes in 8 s at one per 2 s\n{proxy.Logs}");

        var holder = (string?)await bus.Redis.GetDatabase().StringGetAsync(RegistryKeys.HealthMonitorLease);
        var leader = proxy.Services.Single(s => s.Name == ProxyHarness.HealthMonitor && holder!.Contains($"-pid-{s.ProcessId}-"));
        await leader.KillAsync();
        var killed = Stopwatch.StartNew();
        var probesAtKill = node.HealthProbes;
        // The survivor takes the dead holder's lease over (it expires half an interval after its last renewal) and
        // probes at once: the node goes less than one interval without a probe.
        await Eventually.HoldsAsync(() => node.HealthProbes > probesAtKill, TimeSpan.FromSeconds(10), () => proxy.Logs);
        var takeover = killed.Elapsed;
        output.WriteLine($"takeover: the survivor probed {takeover.TotalMilliseconds:F0} ms after the holder was killed (interval {interval.TotalMilliseconds} ms)");
        Assert.True(takeover < interval, $"the survivor probed {takeover.TotalSeconds:F2} s after the holder died\n{proxy.Logs}");
        node.HealthStatus = 500;
        await bus.StatusBecomesAsync(id, NodeStatus.Unavailable, TimeSpan.FromSeconds(20), () => proxy.Logs);
    }
}
