using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>One trace from the HTTP call of the sending node to the handler of the receiving node.</summary>
[Collection(InProcessHosts.Name)]
public sealed class TracingTests(InProcessProxy proxy) : IClassFixture<InProcessProxy>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task One_trace_spans_the_control_api_request_the_dispatcher_delivery_and_the_node()
    {
        var topic = DeliveryProxy.Topic("traced");
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, DeliveryTests.Service(topic, "/traced", group: "tracers"));
        var callerTrace = ActivityTraceId.CreateRandom();

        using var call = new HttpRequestMessage(HttpMethod.Post, $"/request/{id}")
        {
            Content = new StringContent($$$"""{"topic":"{{{topic}}}","message":{"n":1}}""", Encoding.UTF8, "application/json"),
        };
        call.Headers.Add("traceparent", $"00-{callerTrace}-{ActivitySpanId.CreateRandom()}-01");
        using var answer = await proxy.Control.SendAsync(call);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var publish = await SpanAsync(proxy.ControlApiSpans, "Gilmour.ControlApi", s => s.GetTagItem("gilmour.topic") as string == topic);
        var delivery = await SpanAsync(proxy.DispatcherSpans, "Gilmour.Dispatcher", s => s.GetTagItem("gilmour.topic") as string == topic);
        var received = Assert.Single(node.DeliveriesTo("/traced"));

        Assert.Equal(callerTrace, publish.TraceId);
        Assert.Equal(callerTrace, delivery.TraceId);
        Assert.Equal(publish.SpanId, delivery.ParentSpanId);
        Assert.True(received.Headers.TryGetValue("traceparent", out var traceparent), "the node got no traceparent");
        Assert.Equal(callerTrace.ToString(), traceparent.Split('-')[1]);

        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal(id, publish.GetTagItem("gilmour.node.id"));
        Assert.Equal(200, publish.GetTagItem("gilmour.code"));
        Assert.Equal(ActivityKind.Consumer, delivery.Kind);
        Assert.Equal(id, delivery.GetTagItem("gilmour.node.id"));
        Assert.Equal("tracers", delivery.GetTagItem("gilmour.group"));
        Assert.Equal(received.Body.GetProperty("sender").GetString(), delivery.GetTagItem("gilmour.sender"));
        Assert.Equal(200, delivery.GetTagItem("gilmour.code"));
        Assert.Equal("ok", delivery.GetTagItem("gilmour.delivery.outcome"));
    }

    [Fact]
    public async Task Each_composition_stage_is_a_child_span_carried_to_its_own_delivery()
    {
        var first = DeliveryProxy.Topic("stage-one");
        var second = DeliveryProxy.Topic("stage-two");
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port,
            $$$"""{"services":[{"topic":"{{{first}}}","group":"g","path":"/one"},{"topic":"{{{second}}}","group":"g","path":"/two"}]}""");

        var answer = await proxy.Control.PostAsync($"/request/{id}",
            $$$"""{"composition":{"pipe":[{"topic":"{{{first}}}"},{"topic":"{{{second}}}"}]},"message":{"n":1}}""");

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        var stageOne = await SpanAsync(proxy.ControlApiSpans, "Gilmour.ControlApi", s => s.GetTagItem("gilmour.topic") as string == first);
        var stageTwo = await SpanAsync(proxy.ControlApiSpans, "Gilmour.ControlApi", s => s.GetTagItem("gilmour.topic") as string == second);
        var composition = await SpanAsync(proxy.ControlApiSpans, "Gilmour.ControlApi", s => s.SpanId == stageOne.ParentSpanId);
        var deliveryTwo = await SpanAsync(proxy.DispatcherSpans, "Gilmour.Dispatcher", s => s.GetTagItem("gilmour.topic") as string == second);

        Assert.Equal("(composition)", composition.GetTagItem("gilmour.topic"));
        Assert.Equal(composition.SpanId, stageTwo.ParentSpanId);
        Assert.Equal(stageTwo.SpanId, deliveryTwo.ParentSpanId);
        Assert.Equal(composition.TraceId, deliveryTwo.TraceId);
        Assert.Equal(composition.TraceId.ToString(), Assert.Single(node.DeliveriesTo("/two")).Headers["traceparent"].Split('-')[1]);
    }

    [Fact]
    public async Task A_message_from_a_native_peer_without_traceparent_is_delivered_and_starts_its_own_trace()
    {
        var topic = DeliveryProxy.Topic("native");
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, DeliveryTests.Service(topic, "/native"));
        await using var bus = await BusProbe.ConnectAsync(proxy.Redis);
        Assert.Null(Activity.Current);

        // Gilmour.Core's Requester without a traceparent writes exactly what a Go or Ruby peer writes.
        var reply = await bus.Requester.RequestAsync(topic, BusProbe.Json("""{"n":2}"""), Limit);

        Assert.Equal(200, reply.Code);
        var delivery = await SpanAsync(proxy.DispatcherSpans, "Gilmour.Dispatcher", s => s.GetTagItem("gilmour.topic") as string == topic);
        Assert.Equal(default, delivery.ParentSpanId);
        Assert.Equal(id, delivery.GetTagItem("gilmour.node.id"));
        var received = Assert.Single(node.DeliveriesTo("/native"));
        Assert.Equal(delivery.TraceId.ToString(), received.Headers["traceparent"].Split('-')[1]);
    }

    [Fact]
    public async Task A_signal_gets_a_span_whose_trace_reaches_the_slot_node()
    {
        var topic = DeliveryProxy.Topic("signalled");
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, DeliveryTests.Slot(topic, "/on"));

        var answer = await proxy.Control.PostAsync($"/signal/{id}", $$$"""{"topic":"{{{topic}}}","message":{"n":3}}""");

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        var signal = await SpanAsync(proxy.ControlApiSpans, "Gilmour.ControlApi", s => s.GetTagItem("gilmour.topic") as string == topic);
        Assert.Equal(answer.Body.GetProperty("sender").GetString(), signal.GetTagItem("gilmour.sender"));
        var received = Assert.Single(await node.WaitForDeliveriesAsync("/on", 1));
        Assert.Equal(signal.TraceId.ToString(), received.Headers["traceparent"].Split('-')[1]);
    }

    [Fact]
    public async Task Health_probes_and_status_polls_make_no_trace_while_a_read_inside_a_trace_does()
    {
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port);
        var callerTrace = ActivityTraceId.CreateRandom();

        foreach (var probe in new[] { "/health", "/alive", $"/nodes/{id}" })
            Assert.True((await proxy.Control.GetAsync(probe)).IsSuccessStatusCode, probe);
        using var traced = new HttpRequestMessage(HttpMethod.Get, $"/nodes/{id}");
        traced.Headers.Add("traceparent", $"00-{callerTrace}-{ActivitySpanId.CreateRandom()}-01");
        Assert.True((await proxy.Control.SendAsync(traced)).IsSuccessStatusCode);

        // The traced read came last: once its span is out, an untraced one would have been exported before it.
        await SpanAsync(proxy.ControlApiSpans, "Microsoft.AspNetCore", s => s.TraceId == callerTrace);
        var reads = proxy.ControlApiSpans.Snapshot().Where(s => s.Kind == ActivityKind.Server && s.GetTagItem("http.request.method") as string == "GET").ToList();
        Assert.True(reads.All(s => s.TraceId == callerTrace),
            "untraced reads got spans: " + string.Join(", ", reads.Where(s => s.TraceId != callerTrace).Select(s => s.GetTagItem("url.path"))));
    }

    /// <summary>A span is exported when it ends, which for the ControlApi's comes after the answer is written.</summary>
    private static async Task<Activity> SpanAsync(Exported<Activity> spans, string source, Func<Activity, bool> match)
    {
        Activity? found = null;
        await Eventually.HoldsAsync(() => (found = spans.Snapshot().FirstOrDefault(s => s.Source.Name == source && match(s))) is not null,
            Limit, () => $"no such {source} span among {string.Join(", ", spans.Snapshot().Select(s => s.DisplayName))}");
        return found!;
    }
}
