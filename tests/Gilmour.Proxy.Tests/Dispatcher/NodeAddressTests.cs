using System.Text.Json;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>
/// A node is called at the host and port it registered, and nowhere else: the calls to nodes bypass Aspire's service
/// discovery, which would otherwise read a node's host as the name of a service in the configuration.
/// </summary>
public sealed class NodeAddressTests
{
    [Fact]
    public async Task A_node_whose_host_is_also_a_configured_service_name_is_probed_and_delivered_to_at_its_own_address()
    {
        await using var node = await TestNode.StartAsync();
        await using var decoy = await TestNode.StartAsync();
        node.Handle("/echo", delivery => new NodeAnswer(200, JsonSerializer.Serialize(new { from = "node" })));
        decoy.Handle("/echo", delivery => new NodeAnswer(200, JsonSerializer.Serialize(new { from = "decoy" })));
        // Service discovery's configuration names "localhost" as a service living at the decoy's port.
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__ControlApi__AllowedNodeHosts__0"] = "localhost",
            ["services__localhost__http__0"] = $"http://127.0.0.1:{decoy.Port}",
        });
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        var topic = DeliveryProxy.Topic("own-address");

        await proxy.Control.RegisterNodeAsync(node.Port, "\"host\":\"localhost\"," + Service(topic, "/echo"));
        var reply = await bus.RequestAsync(topic, "{}");

        Assert.Equal(200, reply.Code);
        Assert.Equal("node", reply.Data.GetProperty("from").GetString());
        Assert.Single(node.DeliveriesTo("/echo"));
        Assert.Empty(decoy.Deliveries);
        Assert.True(node.HealthProbes >= 1, "the registration's health pre-check did not reach the node");
        Assert.Equal(0, decoy.HealthProbes);
    }
}
