using System.Net;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using OpenTelemetry.Metrics;
using StackExchange.Redis;
using static Gilmour.Proxy.Tests.Observability.MetricReadings;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>The metric instruments record what happened, read through the OpenTelemetry SDK.</summary>
[Collection(InProcessHosts.Name)]
public sealed class MetricsTests(InProcessProxy proxy) : IClassFixture<InProcessProxy>
{
    [Fact]
    public async Task Instruments_record_an_answered_request_and_a_timed_out_one()
    {
        var answered = DeliveryProxy.Topic("answered");
        var late = DeliveryProxy.Topic("late");
        await using var node = await TestNode.StartAsync();
        node.Handle("/late", async (_, cancelled) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), cancelled);
            return new NodeAnswer(200, "\"too late\"");
        });
        var id = await proxy.Control.RegisterNodeAsync(node.Port,
            $$$"""{"services":[{"topic":"{{{answered}}}","group":"g","path":"/answered"},{"topic":"{{{late}}}","group":"g","path":"/late","timeout":1}]}""");

        var ok = await proxy.Control.PostAsync($"/request/{id}", $$"""{"topic":"{{answered}}","message":1}""");
        var timedOut = await proxy.Control.PostAsync($"/request/{id}", $$"""{"topic":"{{late}}","message":2,"timeout":10}""");

        Assert.True(ok.Status == HttpStatusCode.OK, ok.ToString());
        Assert.True((int)timedOut.Status == 499, timedOut.ToString());

        // The ControlApi records after the reply; the answer may reach the test a moment before.
        await Eventually.HoldsAsync(() =>
        {
            var metrics = proxy.CollectControlApiMetrics();
            return Sum(metrics, "messaging.client.sent.messages", ("messaging.destination.name", answered), ("gilmour.code", 200)) == 1
                && Sum(metrics, "messaging.client.sent.messages", ("messaging.destination.name", late), ("gilmour.code", 499)) == 1
                && HistogramCount(metrics, "messaging.client.operation.duration", ("messaging.destination.name", late)) == 1;
        }, TimeSpan.FromSeconds(30), () => "the ControlApi's request metrics do not show one answered and one timed out request");

        await Eventually.HoldsAsync(() =>
        {
            var metrics = proxy.CollectDispatcherMetrics();
            return Sum(metrics, "gilmour.deliveries", ("gilmour.node.id", id), ("gilmour.delivery.outcome", "ok")) == 1
                && Sum(metrics, "gilmour.deliveries", ("gilmour.node.id", id), ("gilmour.delivery.outcome", "timeout")) == 1
                && Sum(metrics, "gilmour.deliveries.in_flight", ("gilmour.node.id", id)) == 0;
        }, TimeSpan.FromSeconds(30), () => "the Dispatcher's delivery metrics do not show one ok and one timed out delivery");
    }

    [Fact]
    public async Task An_unreachable_node_counts_as_an_unreachable_delivery()
    {
        var topic = DeliveryProxy.Topic("gone");
        var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, DeliveryTests.Service(topic, "/gone"));
        await node.StopAsync();
        await using var publisher = await TestNode.StartAsync();
        var publisherId = await proxy.Control.RegisterNodeAsync(publisher.Port);

        var answer = await proxy.Control.PostAsync($"/request/{publisherId}", $$"""{"topic":"{{topic}}","message":1}""");

        Assert.True((int)answer.Status == 502, answer.ToString());
        await Eventually.HoldsAsync(() => Sum(proxy.CollectDispatcherMetrics(), "gilmour.deliveries",
                ("gilmour.node.id", id), ("gilmour.delivery.outcome", "unreachable")) == 1,
            TimeSpan.FromSeconds(30), () => "no unreachable delivery counted");
    }

    [Fact]
    public async Task A_grouped_message_another_member_won_counts_as_a_lost_lock_and_is_not_delivered()
    {
        var topic = DeliveryProxy.Topic("contested");
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, DeliveryTests.Service(topic, "/contested", group: "g"));
        using var bus = await proxy.Redis.ConnectAsync();
        var publisher = bus.GetSubscriber();
        // Another member of group g took this sender's request first: its lock is already set, as Go and Ruby set it.
        var taken = Guid.NewGuid().ToString("N");
        await bus.GetDatabase().StringSetAsync(taken + "g", taken + "g", TimeSpan.FromMinutes(10));
        await publisher.PublishAsync(RedisChannel.Literal("gilmour.request." + topic), $$"""{"data":1,"code":200,"sender":"{{taken}}"}""");
        var free = Guid.NewGuid().ToString("N");
        await publisher.PublishAsync(RedisChannel.Literal("gilmour.request." + topic), $$"""{"data":2,"code":200,"sender":"{{free}}"}""");

        await Eventually.HoldsAsync(() =>
        {
            var metrics = proxy.CollectDispatcherMetrics();
            return Sum(metrics, "gilmour.deliveries", ("gilmour.node.id", id), ("gilmour.delivery.outcome", "lost_lock")) == 1
                && Sum(metrics, "gilmour.deliveries", ("gilmour.node.id", id), ("gilmour.delivery.outcome", "ok")) == 1;
        }, TimeSpan.FromSeconds(30), () => "the contested request is not counted as one lost lock beside one ok delivery");
        var delivered = Assert.Single(node.DeliveriesTo("/contested"));
        Assert.Equal(2, delivered.Body.GetProperty("data").GetInt32());
    }
}
