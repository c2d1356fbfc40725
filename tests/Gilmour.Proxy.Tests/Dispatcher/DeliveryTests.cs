using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Gilmour.Json;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>Delivery to nodes (docs/design.md, docs/api.md), through the real services and real HTTP nodes.</summary>
public sealed class DeliveryTests(DeliveryProxy fixture) : IClassFixture<DeliveryProxy>
{
    private HttpClient Control => fixture.Control;
    private BusProbe Bus => fixture.Bus;

    [Fact]
    public async Task Signal_reaches_every_slot_node_and_a_wildcard_slot_sees_the_concrete_topic()
    {
        var family = DeliveryProxy.Topic("fanout");
        var topic = family + ".created";
        await using var first = await TestNode.StartAsync();
        await using var second = await TestNode.StartAsync();
        await using var wildcard = await TestNode.StartAsync();
        var firstId = await Control.RegisterNodeAsync(first.Port, Slot(topic, "/on-created", timeout: 7));
        await Control.RegisterNodeAsync(second.Port, Slot(topic, "/on-created", timeout: 7));
        await Control.RegisterNodeAsync(wildcard.Port, Slot(family + ".*", "/on-any", timeout: 9));

        var signal = await ProxyCalls.PostAsync(Control, $"/signal/{firstId}", $$$"""{"topic":"{{{topic}}}","message":{"n":1}}""");
        Assert.True(signal.Status == HttpStatusCode.OK, signal.ToString());
        var sender = signal.Body.GetProperty("sender").GetString();

        foreach (var (node, path, timeout) in new[] { (first, "/on-created", 7), (second, "/on-created", 7), (wildcard, "/on-any", 9) })
        {
            var delivery = Assert.Single(await node.WaitForDeliveriesAsync(path, 1));
            Assert.Equal(["topic", "sender", "data", "timeout"], delivery.Body.FieldNames());
            Assert.Equal(topic, delivery.Body.GetProperty("topic").GetString());
            Assert.Equal(sender, delivery.Body.GetProperty("sender").GetString());
            Assert.Equal("""{"n":1}""", delivery.Body.GetProperty("data").GetRawText());
            Assert.Equal(timeout, delivery.Body.GetProperty("timeout").GetInt32());
        }
    }

    [Fact]
    public async Task Delivery_to_the_node_continues_the_publishers_trace()
    {
        var topic = DeliveryProxy.Topic("traced");
        await using var node = await TestNode.StartAsync();
        await Control.RegisterNodeAsync(node.Port, Service(topic, "/traced"));
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";

        var reply = await Bus.Requester.RequestAsync(topic, BusProbe.Json("{}"), TimeSpan.FromSeconds(10),
            traceparent: $"00-{traceId}-00f067aa0ba902b7-01");

        Assert.Equal(200, reply.Code);
        var delivery = Assert.Single(node.DeliveriesTo("/traced"));
        Assert.True(delivery.Headers.TryGetValue("traceparent", out var traceparent), "the delivery carries no traceparent");
        Assert.Equal(traceId, traceparent.Split('-')[1]);
    }

    [Fact]
    public async Task Two_nodes_in_one_service_group_serve_each_of_500_requests_exactly_once()
    {
        var topic = DeliveryProxy.Topic("shared");
        await using var first = await TestNode.StartAsync();
        await using var second = await TestNode.StartAsync();
        await Control.RegisterNodeAsync(first.Port, Service(topic, "/work", group: "workers"));
        await Control.RegisterNodeAsync(second.Port, Service(topic, "/work", group: "workers"));

        var replies = new ConcurrentBag<(int Index, Reply Reply)>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 500), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
            replies.Add((i, await Bus.RequestAsync(topic, $$"""{"i":{{i}}}""", TimeSpan.FromSeconds(30)))));

        Assert.Equal(500, replies.Count);
        Assert.All(replies, r =>
        {
            Assert.Equal(200, r.Reply.Code);
            Assert.Equal(r.Index, r.Reply.Data.GetProperty("i").GetInt32());
        });
        var senders = first.DeliveriesTo("/work").Concat(second.DeliveriesTo("/work"))
            .Select(d => d.Body.GetProperty("sender").GetString()).ToList();
        Assert.Equal(500, senders.Count);
        Assert.Equal(500, senders.Distinct().Count());
        // Shared, not one node taking all while the other idles: the dispatcher sends each to the less busy one.
        Assert.InRange(first.DeliveriesTo("/work").Count, 100, 400);
    }

    [Fact]
    public async Task Node_slower_than_its_timeout_gets_499_and_its_late_answer_fails_to_write()
    {
        var topic = DeliveryProxy.Topic("slow");
        await using var node = await TestNode.StartAsync();
        // Answers only once the proxy has given up on it (it aborts the request at the subscription's timeout), as a
        // careless node would; however slow the machine, the answer is then late. The bound only ends a hung test.
        node.Handle("/slow", async (_, aborted) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), aborted).ContinueWith(_ => { }, CancellationToken.None);
            return new NodeAnswer(200, "\"finally\"");
        });
        var id = await Control.RegisterNodeAsync(node.Port, Service(topic, "/slow", timeout: 1));

        var answer = await ProxyCalls.PostAsync(Control, $"/request/{id}", $$"""{"topic":"{{topic}}","message":{},"timeout":10}""");

        Assert.Equal(499, answer.Code);
        var message = Assert.Single(answer.Body.GetProperty("messages").EnumerateArray());
        Assert.Equal(Codes.TimedOutText, message.GetProperty("data").GetString());
        Assert.Equal(499, message.GetProperty("code").GetInt32());
        await Eventually.HoldsAsync(() => node.WriteFailures.Count == 1, TimeSpan.FromSeconds(10),
            () => $"the node's late answer wrote without failure ({node.WriteFailures.Count} failures)");
    }

    [Fact]
    public async Task Unreachable_node_gets_502_naming_the_node_and_its_address()
    {
        var topic = DeliveryProxy.Topic("gone");
        await using var node = await TestNode.StartAsync();
        var id = await Control.RegisterNodeAsync(node.Port, Service(topic, "/do"));
        await node.StopAsync();

        var reply = await Bus.RequestAsync(topic, "{}");

        Assert.Equal(502, reply.Code);
        Assert.Equal(JsonValueKind.String, reply.Data.ValueKind);
        Assert.StartsWith($"node {id} unreachable at http://127.0.0.1:{node.Port}/do: ", reply.Data.GetString());
    }

    [Fact]
    public async Task Node_answer_is_relayed_unmodified_with_its_status_as_code()
    {
        var json = DeliveryProxy.Topic("json");
        var text = DeliveryProxy.Topic("text");
        var empty = DeliveryProxy.Topic("empty");
        await using var node = await TestNode.StartAsync();
        node.Handle("/json", _ => new NodeAnswer(201, """{"a":[1,2.50,"x"],"b":null}"""));
        node.Handle("/text", _ => new NodeAnswer(422, "not {json", "text/plain"));
        node.Handle("/empty", _ => new NodeAnswer(204, null));
        await Control.RegisterNodeAsync(node.Port,
            $""" "services":[{Subscription(json, "/json", "g", 600)},{Subscription(text, "/text", "g", 600)},{Subscription(empty, "/empty", "g", 600)}]""");

        var parsed = await Bus.RequestAsync(json, "{}");
        var plain = await Bus.RequestAsync(text, "{}");
        var nothing = await Bus.RequestAsync(empty, "{}");

        Assert.Equal((201, """{"a":[1,2.50,"x"],"b":null}"""), (parsed.Code, parsed.Data.GetRawText()));
        Assert.Equal((422, "not {json"), (plain.Code, plain.Data.GetString()));
        Assert.Equal((204, ""), (nothing.Code, nothing.Data.GetString()));
    }

    [Fact]
    public async Task Service_reply_with_code_500_is_reported_on_the_error_channel()
    {
        var topic = DeliveryProxy.Topic("failing");
        await using var node = await TestNode.StartAsync();
        node.Handle("/fail", _ => new NodeAnswer(500, "\"boom\""));
        await Control.RegisterNodeAsync(node.Port, Service(topic, "/fail"));
        await using var errors = await ErrorReports.ListenAsync(Bus.Redis);

        var reply = await Bus.RequestAsync(topic, """{"q":1}""");

        Assert.Equal((500, "boom"), (reply.Code, reply.Data.GetString()));
        var report = await errors.WaitForAsync(Channels.Request(topic));
        Assert.Equal(500, report.GetProperty("code").GetInt32());
        Assert.Equal(node.DeliveriesTo("/fail")[0].Body.GetProperty("sender").GetString(), report.GetProperty("sender").GetString());
        Assert.Equal("""{"q":1}""", report.GetProperty("request_data").GetString());
    }

    [Fact]
    public async Task Failed_slot_delivery_is_reported_on_the_error_channel()
    {
        var topic = DeliveryProxy.Topic("failing-slot");
        await using var node = await TestNode.StartAsync();
        node.Handle("/on-event", _ => new NodeAnswer(503, "\"not now\""));
        await Control.RegisterNodeAsync(node.Port, Slot(topic, "/on-event"));
        await using var errors = await ErrorReports.ListenAsync(Bus.Redis);

        var sender = await Bus.SignalAsync(topic, "{}");

        var report = await errors.WaitForAsync(Channels.Slot(topic));
        Assert.Equal(sender, report.GetProperty("sender").GetString());
        Assert.Contains("answered 503", report.GetProperty("backtrace").GetString());
    }

    [Fact]
    public async Task Health_ping_of_a_node_ident_is_answered_with_its_topics()
    {
        var service = DeliveryProxy.Topic("pinged");
        var slot = DeliveryProxy.Topic("pinged-slot");
        await using var node = await TestNode.StartAsync();
        var id = await Control.RegisterNodeAsync(node.Port, $"{Service(service, "/s")},{Slot(slot, "/t")}");
        var ident = (await Bus.Registry.GetAsync(id))!.Ident;
        Assert.True(await Bus.Redis.GetDatabase().HashExistsAsync(Channels.KnownHostHealth, ident));

        var reply = await Bus.Requester.RequestAsync(Channels.Health(ident), BusProbe.Json("null"), TimeSpan.FromSeconds(10));

        Assert.Equal(200, reply.Code);
        Assert.Equal([Channels.Request(service), Channels.Slot(slot)], reply.Data.EnumerateArray().Select(t => t.GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Native_Gilmour_peer_and_proxied_node_in_one_exclusion_group_handle_each_request_once()
    {
        var topic = DeliveryProxy.Topic("mixed");
        await using var node = await TestNode.StartAsync();
        await Control.RegisterNodeAsync(node.Port, Service(topic, "/work", group: "mixed"));
        await using var nativeRedis = await fixture.Proxy.Redis.ConnectAsync();
        await using var native = new Responder(nativeRedis, new ResponderOptions { RegisterIdent = false, AnswerHealth = false });
        var nativeSenders = new ConcurrentBag<string>();
        var handler = await native.ReplyAsync(topic, "mixed", (message, _) =>
        {
            nativeSenders.Add(message.Message.Sender);
            return Task.FromResult(new Reply(message.Message.Data, 200));
        }, TimeSpan.FromSeconds(30));

        var codes = new ConcurrentBag<int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
            codes.Add((await Bus.RequestAsync(topic, $$"""{"i":{{i}}}""", TimeSpan.FromSeconds(30))).Code));

        Assert.Equal(Enumerable.Repeat(200, 200), codes);
        var nodeSenders = node.DeliveriesTo("/work").Select(d => d.Body.GetProperty("sender").GetString()!).ToList();
        var all = nodeSenders.Concat(nativeSenders).ToList();
        Assert.Equal(200, all.Count);
        Assert.Equal(200, all.Distinct().Count());

        // The group lock goes to whichever member asks first, so the split above depends on scheduling. With the
        // native member gone, the proxied node alone serves the group.
        await handler.DisposeAsync();
        await Bus.ListenersBecomeAsync(Channels.Request(topic), 1);
        var before = node.DeliveriesTo("/work").Count;
        Assert.Equal(200, (await Bus.RequestAsync(topic, """{"i":200}""", TimeSpan.FromSeconds(30))).Code);
        Assert.Equal(before + 1, node.DeliveriesTo("/work").Count);
    }

    [Fact]
    public async Task Deliveries_beyond_max_concurrency_wait_for_a_free_place_and_are_all_served()
    {
        var topic = DeliveryProxy.Topic("capped");
        await using var node = await TestNode.StartAsync();
        var running = 0;
        var most = 0;
        var twoRunning = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Handle("/capped", async (delivery, _) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref most, now);
            // The first deliveries wait for each other, so the cap is reached however slowly they arrive; each then
            // stays a moment, so a third one beyond the cap would be seen running beside them.
            if (now >= 2) twoRunning.TrySetResult();
            await twoRunning.Task.WaitAsync(TimeSpan.FromSeconds(15));
            await Task.Delay(200, CancellationToken.None);
            Interlocked.Decrement(ref running);
            return new NodeAnswer(200, delivery.Body.GetProperty("data").GetRawText());
        });
        await Control.RegisterNodeAsync(node.Port, $"{Service(topic, "/capped", timeout: 20)},\"max_concurrency\":2");

        var replies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Bus.RequestAsync(topic, $"{i}", TimeSpan.FromSeconds(30))));

        Assert.All(replies, reply => Assert.Equal(200, reply.Code));
        Assert.Equal(Enumerable.Range(0, 8), replies.Select(reply => reply.Data.GetInt32()));
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task Registration_written_without_an_announcement_is_subscribed_by_reconciliation()
    {
        var topic = DeliveryProxy.Topic("quiet");
        await using var node = await TestNode.StartAsync();
        var id = Guid.NewGuid().ToString();
        var registration = new Node(id, "127.0.0.1", node.Port, "/health", NodeStatus.Ok, [],
            [new Subscription(topic, "quiet", "/quiet")], $"test-pid-0-uuid-{id}", 1, DateTimeOffset.UtcNow);
        var database = Bus.Redis.GetDatabase();
        // What a dispatcher sees when it misses the announcement (it was away from Redis): the write, no PUBLISH.
        await database.StringSetAsync(RegistryKeys.Node(id), JsonSerializer.SerializeToUtf8Bytes(registration, GilmourJson.Default.Node));
        await database.SetAddAsync(RegistryKeys.NodeIndex, id);

        await Bus.ListenersBecomeAsync(Channels.Request(topic), 1, logs: () => fixture.Proxy.Logs);
        var reply = await Bus.RequestAsync(topic, "\"hello\"");
        Assert.Equal((200, "hello"), (reply.Code, reply.Data.GetString()));
    }

    [Fact]
    public async Task Changing_a_node_keeps_its_unchanged_subscriptions_subscribed()
    {
        var kept = DeliveryProxy.Topic("kept");
        var dropped = DeliveryProxy.Topic("dropped");
        var added = DeliveryProxy.Topic("added");
        await using var node = await TestNode.StartAsync();
        var id = await Control.RegisterNodeAsync(node.Port, $"{Service(kept, "/kept")},{Slot(dropped, "/dropped")}");
        await using var monitor = await RedisMonitor.StartAsync(fixture.Proxy.Redis.Port);

        var add = await ProxyCalls.PostAsync(Control, $"/nodes/{id}/slots", $$"""{"topic":"{{added}}","path":"/added"}""");
        var remove = await Control.CallAsync(HttpMethod.Delete, $"/nodes/{id}/slots?topic={dropped}");
        Assert.True(add.Status == HttpStatusCode.OK, add.ToString());
        Assert.True(remove.Status == HttpStatusCode.OK, remove.ToString());
        await Eventually.HoldsAsync(() => monitor.Sent("UNSUBSCRIBE", Channels.Slot(dropped)).Count == 1, TimeSpan.FromSeconds(10),
            () => string.Join("\n", monitor.Commands));

        Assert.Single(monitor.Sent("SUBSCRIBE", Channels.Slot(added)));
        Assert.Empty(monitor.Sent("UNSUBSCRIBE", Channels.Request(kept)));
        Assert.Empty(monitor.Sent("SUBSCRIBE", Channels.Request(kept)));
        Assert.Equal(1, await Bus.ListenersAsync(Channels.Request(kept)));
        Assert.Equal(200, (await Bus.RequestAsync(kept, "{}")).Code);
    }

    [Fact]
    public async Task Deleting_a_node_lets_its_running_delivery_finish_and_reply()
    {
        var topic = DeliveryProxy.Topic("deleted");
        await using var node = await TestNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Handle("/long", async (_, _) =>
        {
            await release.Task;
            return new NodeAnswer(200, "\"finished\"");
        });
        var id = await Control.RegisterNodeAsync(node.Port, Service(topic, "/long", timeout: 30));

        var request = Bus.RequestAsync(topic, "{}", TimeSpan.FromSeconds(30));
        await node.WaitForDeliveriesAsync("/long", 1, context: () => $"the request {Fate(request)}\n{fixture.Proxy.Logs}");
        var delete = Control.CallAsync(HttpMethod.Delete, $"/nodes/{id}");
        // The node is off the bus while its delivery still runs: no new request reaches it.
        await Bus.ListenersBecomeAsync(Channels.Request(topic), 0, logs: () => fixture.Proxy.Logs);
        Assert.False(request.IsCompleted);
        release.SetResult();

        var reply = await request;
        Assert.Equal((200, "finished"), (reply.Code, reply.Data.GetString()));
        var deleted = await delete;
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await Control.CallAsync(HttpMethod.Get, $"/nodes/{id}")).Status);
        Assert.False(await Bus.Redis.GetDatabase().KeyExistsAsync(RegistryKeys.Node(id)));
    }

    internal static string Service(string topic, string path, string group = "group", int timeout = 600) =>
        $""" "services":[{Subscription(topic, path, group, timeout)}]""";

    internal static string Slot(string topic, string path, string? group = null, int timeout = 600) =>
        $""" "slots":[{Subscription(topic, path, group, timeout)}]""";

    internal static string Subscription(string topic, string path, string? group, int timeout) =>
        group is null
            ? $$"""{"topic":"{{topic}}","path":"{{path}}","timeout":{{timeout}}}"""
            : $$"""{"topic":"{{topic}}","group":"{{group}}","path":"{{path}}","timeout":{{timeout}}}""";

    /// <summary>What became of a request so far, for a failure message.</summary>
    private static string Fate(Task<Reply> request) =>
        request.IsCompletedSuccessfully ? $"was answered: {request.Result}"
        : request.IsFaulted ? $"failed: {request.Exception!.InnerException!.Message}"
        : "is pending";

    private static void InterlockedMax(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, current) == current) return;
    }
}
