using System.Text.Json;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>Gilmour:Dispatcher settings: validated at start, and honoured.</summary>
public sealed class DispatcherSettingsTests
{
    [Theory]
    [InlineData("Gilmour__Dispatcher__ReconcileSeconds", "0", "ReconcileSeconds must be greater than 0")]
    [InlineData("Gilmour__Dispatcher__DrainSeconds", "-1", "DrainSeconds must be greater than 0")]
    [InlineData("Gilmour__Dispatcher__ErrorPolicy", "shout", "ErrorPolicy")]
    public async Task Dispatcher_with_an_invalid_setting_refuses_to_start_and_says_why(string key, string value, string reason)
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(ProxyHarness.Dispatcher, redis.ConnectionString, new Dictionary<string, string> { [key] = value }));

        Assert.Contains("exited", refused.Message);
        Assert.Contains(reason, refused.Message);
    }

    [Fact]
    public async Task Queue_error_policy_pushes_reports_onto_the_error_queue_in_Go_format()
    {
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string> { ["Gilmour__Dispatcher__ErrorPolicy"] = "queue" });
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        await using var node = await TestNode.StartAsync();
        node.Handle("/fail", _ => new NodeAnswer(503, "\"later\""));
        var topic = DeliveryProxy.Topic("queued-error");
        await proxy.Control.RegisterNodeAsync(node.Port, Service(topic, "/fail"));

        var reply = await bus.RequestAsync(topic, "{}");

        Assert.Equal(503, reply.Code);
        var queue = bus.Redis.GetDatabase();
        await Eventually.HoldsAsync(async () => await queue.ListLengthAsync(Channels.ErrorQueue) == 1, TimeSpan.FromSeconds(10), () => proxy.Logs);
        var report = JsonDocument.Parse((string)(await queue.ListGetByIndexAsync(Channels.ErrorQueue, 0))!).RootElement;
        Assert.Equal(Channels.Request(topic), report.GetProperty("topic").GetString());
        Assert.Equal(503, report.GetProperty("code").GetInt32());
        Assert.Equal(node.DeliveriesTo("/fail")[0].Body.GetProperty("sender").GetString(), report.GetProperty("sender").GetString());
    }
}
