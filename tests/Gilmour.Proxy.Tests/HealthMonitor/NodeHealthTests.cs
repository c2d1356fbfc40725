using System.Net;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>Node health (docs/design.md): probes move a node between ok, unavailable and dirty, and the bus follows.</summary>
public sealed class NodeHealthTests(HealthProxy fixture) : IClassFixture<HealthProxy>
{
    private ProxyHarness Proxy => fixture.Proxy;
    private BusProbe Bus => fixture.Bus;

    [Fact]
    public async Task Unhealthy_node_loses_its_subscriptions_and_gets_them_back()
    {
        await using var node = await TestNode.StartAsync();
        var service = DeliveryProxy.Topic("flapping");
        var slot = DeliveryProxy.Topic("flapping-slot");
        var id = await Proxy.Control.RegisterNodeAsync(node.Port, $"{Service(service, "/s")},{Slot(slot, "/t")}");
        Assert.Equal(1, await Bus.ListenersAsync(Channels.Request(service)));
        Assert.Equal(1, await Bus.ListenersAsync(Channels.Slot(slot)));

        node.HealthStatus = 503;
        await Bus.StatusBecomesAsync(id, NodeStatus.Unavailable, logs: () => Proxy.Logs);
        await Bus.ListenersBecomeAsync(Channels.Request(service), 0, logs: () => Proxy.Logs);
        await Bus.ListenersBecomeAsync(Channels.Slot(slot), 0, logs: () => Proxy.Logs);
        Assert.Equal("unavailable", (await Proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{id}")).Body.GetProperty("status").GetString());
        Assert.Equal(404, (await Bus.RequestAsync(service, "{}")).Code);

        node.HealthStatus = 200;
        await Bus.StatusBecomesAsync(id, NodeStatus.Ok, logs: () => Proxy.Logs);
        await Bus.ListenersBecomeAsync(Channels.Request(service), 1, logs: () => Proxy.Logs);
        await Bus.ListenersBecomeAsync(Channels.Slot(slot), 1, logs: () => Proxy.Logs);
        var reply = await Bus.RequestAsync(service, "\"back\"");
        Assert.Equal((200, "back"), (reply.Code, reply.Data.GetString()));
    }

    [Fact]
    public async Task Node_whose_process_is_gone_turns_dirty_and_comes_back_only_through_activate()
    {
        await using var node = await TestNode.StartAsync();
        var service = DeliveryProxy.Topic("vanishing");
        var id = await Proxy.Control.RegisterNodeAsync(node.Port, Service(service, "/s"));

        await node.StopAsync();
        await Bus.StatusBecomesAsync(id, NodeStatus.Dirty, logs: () => Proxy.Logs);
        await Bus.ListenersBecomeAsync(Channels.Request(service), 0, logs: () => Proxy.Logs);
        var request = await ProxyCalls.PostAsync(Proxy.Control, $"/request/{id}", $$"""{"topic":"{{service}}","message":null}""");
        var signal = await ProxyCalls.PostAsync(Proxy.Control, $"/signal/{id}", $$"""{"topic":"{{service}}","message":null}""");
        Assert.True(request.Status == HttpStatusCode.ServiceUnavailable, request.ToString());
        Assert.True(signal.Status == HttpStatusCode.ServiceUnavailable, signal.ToString());

        // Probing stopped is shown by rounds that pass without a probe: a healthy node beside it counts the rounds.
        await using var beside = await TestNode.StartAsync();
        await Proxy.Control.RegisterNodeAsync(beside.Port);
        await node.RestartAsync();
        var probes = node.HealthProbes;
        var rounds = beside.HealthProbes;
        await Eventually.HoldsAsync(() => beside.HealthProbes >= rounds + 3, TimeSpan.FromSeconds(30), () => Proxy.Logs);
        Assert.Equal(probes, node.HealthProbes);
        Assert.Equal(NodeStatus.Dirty, await Bus.StatusAsync(id));
        Assert.Equal(0, await Bus.ListenersAsync(Channels.Request(service)));

        var activated = await Proxy.Control.CallAsync(HttpMethod.Post, $"/nodes/{id}/activate");
        Assert.True(activated.Status == HttpStatusCode.OK, activated.ToString());
        Assert.Equal((id, "ok"), (activated.Body.GetProperty("id").GetString(), activated.Body.GetProperty("status").GetString()));
        Assert.Equal(1, await Bus.ListenersAsync(Channels.Request(service)));
        var reply = await Bus.RequestAsync(service, "\"revived\"");
        Assert.Equal((200, "revived"), (reply.Code, reply.Data.GetString()));
    }

    [Fact]
    public async Task Health_check_slower_than_the_probe_timeout_fails_and_only_FailureThreshold_failures_in_a_row_make_the_node_unavailable()
    {
        await using var node = await TestNode.StartAsync();
        var service = DeliveryProxy.Topic("sluggish");
        var id = await Proxy.Control.RegisterNodeAsync(node.Port, Service(service, "/s"));

        // Far slower than the probe timeout, so that no probe from here on is answered in time, however loaded the machine.
        node.HealthDelay = HealthProxy.ProbeTimeout * 15;
        // Every probe counted from here on is slow; one counted just before may be slow too.
        var probes = node.HealthProbes;
        await Bus.StatusBecomesAsync(id, NodeStatus.Unavailable, logs: () => Proxy.Logs);
        Assert.True(node.HealthProbes > probes, $"unavailable before any slow probe\n{Proxy.Logs}");

        // The monitor logs every failed probe, then the change of status the last of them made. A probe that a stall of
        // the machine failed before the slow ones only adds to the failures logged, so FailureThreshold is a lower bound.
        var monitor = Proxy.Service(ProxyHarness.HealthMonitor);
        var changed = $"Node {id} went from ok to unavailable: health check ";
        await Eventually.HoldsAsync(() => monitor.Output.Contains(changed, StringComparison.Ordinal), TimeSpan.FromSeconds(15),
            () => $"the change to unavailable was not logged\n{Proxy.Logs}");
        var lines = monitor.Output.Split('\n');
        var change = lines.First(line => line.Contains(changed, StringComparison.Ordinal));
        Assert.Contains("no answer within", change);
        var failures = lines.TakeWhile(line => line != change).Count(line => line.Contains($"Health check of node {id} failed", StringComparison.Ordinal));
        Assert.True(failures >= HealthProxy.FailureThreshold,
            $"unavailable after {failures} failed probes; the threshold is {HealthProxy.FailureThreshold}\n{monitor.Output}");
        await Bus.ListenersBecomeAsync(Channels.Request(service), 0, logs: () => Proxy.Logs);

        node.HealthDelay = TimeSpan.Zero;
        await Bus.StatusBecomesAsync(id, NodeStatus.Ok, logs: () => Proxy.Logs);
        await Bus.ListenersBecomeAsync(Channels.Request(service), 1, logs: () => Proxy.Logs);
    }
}
