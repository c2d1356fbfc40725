using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>HealthMonitors that die or run as several replicas. Each test owns its proxy.</summary>
public sealed class HealthMonitorLifecycleTests
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
        // The dead monitor's lease runs out (three intervals), then the new one probes.
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
    public async Task Only_the_lease_holder_probes_and_another_replica_takes_over_when_it_dies()
    {
        await using var proxy = await ProxyHarness.StartAsync(HealthProxy.Settings);
        await proxy.StartServiceAsync(ProxyHarness.HealthMonitor);
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(DeliveryProxy.Topic("leased"), "/s"));

        // Probing happens once per interval: in a 4 s window one prober makes about 4 probes, two would make 8.
        // The registration's own pre-check is the first GET; wait for the monitors' first.
        await Eventually.HoldsAsync(() => node.HealthProbes >= 2, TimeSpan.FromSeconds(10), () => proxy.Logs);
        var before = node.HealthProbes;
        await Task.Delay(TimeSpan.FromSeconds(4));
        var probed = node.HealthProbes - before;
        Assert.True(probed is >= 1 and <= 6, $"{probed} probes in 4 s at one per second\n{proxy.Logs}");

        var holder = (string?)await bus.Redis.GetDatabase().StringGetAsync(RegistryKeys.HealthMonitorLease);
        var leader = proxy.Services.Single(s => s.Name == ProxyHarness.HealthMonitor && holder!.Contains($"-pid-{s.ProcessId}-"));
        await leader.KillAsync();
        node.HealthStatus = 500;
        await bus.StatusBecomesAsync(id, NodeStatus.Unavailable, TimeSpan.FromSeconds(20), () => proxy.Logs);
    }
}
