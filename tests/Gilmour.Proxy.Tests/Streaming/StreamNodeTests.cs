using System.Text.Json;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>A node that dials out, through the real services: deliveries down its stream, replies up, and on the bus it
/// looks like any Gilmour process.</summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamNodeTests(StreamProxy proxy) : IClassFixture<StreamProxy>
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Stream_node_gets_requests_and_signals_and_its_answers_reach_the_requester()
    {
        var service = StreamProxy.Topic("echo");
        var slot = StreamProxy.Topic("note");
        await using var node = await proxy.RegisterStreamingNodeAsync(
            $$"""{"services":[{"topic":"{{service}}","group":"g","path":"/echo","timeout":9}],"slots":[{"topic":"{{slot}}","path":"/note"}]}""");

        var registered = await proxy.Control.GetAnswerAsync($"/nodes/{node.Id}");
        Assert.Equal("unavailable", registered.Body.GetProperty("status").GetString());
        Assert.Equal("stream", registered.Body.GetProperty("transport").GetString());
        Assert.Equal(["id", "status", "slots", "services", "transport"], registered.Body.FieldNames());

        await node.ConnectAsync();
        Assert.Equal(node.Id, node.Events[0].Data.GetProperty("id").GetString());
        Assert.Equal("ok", (await proxy.Control.GetAnswerAsync($"/nodes/{node.Id}")).Body.GetProperty("status").GetString());

        var sender = await proxy.RegisterSenderAsync();
        var answer = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":{"n":[1,"two"]},"timeout":9}""");
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.Equal("""{"n":[1,"two"]}""", answer.Body.GetProperty("messages")[0].GetProperty("data").GetRawText());

        var request = Assert.Single(node.Requests);
        Assert.Equal(["id", "path", "topic", "sender", "data", "timeout"], request.Data.FieldNames());
        Assert.Equal("/echo", request.Path);
        Assert.Equal(service, request.Data.GetProperty("topic").GetString());
        Assert.Equal(9, request.Data.GetProperty("timeout").GetInt32());
        Assert.Equal(32, request.Id!.Length);

        var signal = await proxy.Control.PostAsync($"/signal/{sender}", $$"""{"topic":"{{slot}}","message":"hello"}""");
        Assert.True(signal.Code == 200, signal.ToString());
        await node.WaitForAsync(() => node.Signals.Count == 1, Limit, "no signal event");
        var delivered = node.Signals[0];
        Assert.Equal(["id", "path", "topic", "sender", "data"], delivered.Data.FieldNames());
        Assert.Equal("/note", delivered.Path);
        Assert.Equal(signal.Body.GetProperty("sender").GetString(), delivered.Data.GetProperty("sender").GetString());
        Assert.Equal("\"hello\"", delivered.Payload.GetRawText());
        Assert.All(node.Replies, r => Assert.Equal(System.Net.HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task A_native_peer_sees_a_stream_node_as_a_gilmour_process()
    {
        var service = StreamProxy.Topic("native");
        await using var node = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v"}]}""");
        node.Handle("/v", request => new StreamAnswer(503, "\"busy\""));
        await node.ConnectAsync();
        await using var redis = await proxy.Harness.Redis.ConnectAsync();
        await using var requester = new Requester(redis);
        await using var errors = await Dispatcher.ErrorReports.ListenAsync(redis);

        // A Go or Ruby requester: the reply carries the node's code and data, and an error code is reported as theirs is.
        var reply = await requester.RequestAsync(service, JsonSerializer.SerializeToElement(1, GilmourJson.Default.Int32), Limit);
        Assert.Equal(503, reply.Code);
        Assert.Equal("\"busy\"", reply.Data.GetRawText());
        var report = await errors.WaitForAsync(Channels.Request(service));
        Assert.Equal(503, report.GetProperty("code").GetInt32());

        // Health tools find the node's ident and its topic, as for any Gilmour process.
        var stored = await proxy.Registry.GetAsync(node.Id);
        Assert.Equal("true", (string?)await redis.GetDatabase().HashGetAsync(Channels.KnownHostHealth, stored!.Ident));
        var health = await requester.RequestAsync(Channels.Health(stored.Ident), JsonSerializer.SerializeToElement(0, GilmourJson.Default.Int32), Limit);
        Assert.Equal(200, health.Code);
        Assert.Contains(Channels.Request(service), health.Data.EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Late_reply_is_refused_with_410_and_the_requester_got_499()
    {
        var service = StreamProxy.Topic("late");
        await using var node = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/slow","timeout":1}]}""");
        node.Handle("/slow", _ => null);
        await node.ConnectAsync();
        var sender = await proxy.RegisterSenderAsync();

        var answer = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":1,"timeout":30}""");

        Assert.True(answer.Code == 499, answer.ToString());
        Assert.Equal(Codes.TimedOutText, answer.Body.GetProperty("messages")[0].GetProperty("data").GetString());
        var late = await node.ReplyAsync(Assert.Single(node.Requests).Id!, """{"code":200,"data":"too late"}""");
        Assert.Equal(System.Net.HttpStatusCode.Gone, late.Status);
        Assert.Contains("499", JsonDocument.Parse(late.Body).RootElement.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Disconnect_makes_the_node_unavailable_and_reconnecting_brings_its_subscriptions_back()
    {
        var service = StreamProxy.Topic("again");
        await using var node = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v"}]}""");
        await node.ConnectAsync();
        var sender = await proxy.RegisterSenderAsync();
        await using var redis = await proxy.Harness.Redis.ConnectAsync();

        await node.CloseStreamAsync();
        await Eventually.HoldsAsync(async () => (await proxy.Registry.GetAsync(node.Id))?.Status == NodeStatus.Unavailable, Limit,
            () => "the node stayed ok after its stream was dropped\n" + proxy.Harness.Logs);
        // Off the bus: nobody subscribes its service, so a request finds no listener.
        await Eventually.HoldsAsync(async () => await BusListeners.CountAsync(redis, Channels.Request(service)) == 0, Limit, () => "still subscribed");
        var refused = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":1,"timeout":5}""");
        Assert.Equal(404, refused.Code);

        await node.ConnectAsync();
        Assert.Equal(2, node.CountOf("ready"));
        var answer = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":2,"timeout":9}""");
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.Equal(2, answer.Body.GetProperty("messages")[0].GetProperty("data").GetInt32());
    }

    [Fact]
    public async Task A_second_stream_replaces_the_first_which_is_told_why()
    {
        var service = StreamProxy.Topic("twice");
        await using var first = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v"}]}""");
        await first.ConnectAsync();
        // The same node on a second connection, as after a network change the first never noticed.
        using var secondHttp = new HttpClient { BaseAddress = proxy.Control.BaseAddress };
        await using var second = new StreamingNode(secondHttp).As(first.Id, first.Token);
        await second.ConnectAsync();

        await first.WaitForEndAsync(Limit);
        Assert.Equal(["replaced"], first.CloseReasons);
        var sender = await proxy.RegisterSenderAsync();
        var answer = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":3,"timeout":9}""");
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.Single(second.Requests);
        Assert.Empty(first.Requests);
        Assert.Equal(NodeStatus.Ok, (await proxy.Registry.GetAsync(first.Id))!.Status);
    }

    [Fact]
    public async Task Deleting_a_stream_node_closes_its_stream_with_reason_deleted()
    {
        await using var node = await proxy.RegisterStreamingNodeAsync();
        await node.ConnectAsync();

        Assert.Equal(200, (await proxy.Control.DeleteAnswerAsync($"/nodes/{node.Id}")).Code);

        await node.WaitForEndAsync(Limit);
        Assert.Equal(["deleted"], node.CloseReasons);
        Assert.Null(await proxy.Registry.GetAsync(node.Id));
        Assert.False(await proxy.Redis.GetDatabase().KeyExistsAsync(RegistryKeys.StreamLease(node.Id)));
    }

    [Fact]
    public async Task Max_concurrency_caps_the_requests_a_stream_node_has_in_flight()
    {
        var service = StreamProxy.Topic("capped");
        await using var node = await proxy.RegisterStreamingNodeAsync(
            $$"""{"max_concurrency":2,"services":[{"topic":"{{service}}","group":"g","path":"/v","timeout":60}]}""");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Handle("/v", async (request, _) =>
        {
            await gate.Task;
            return new StreamAnswer(200, request.Payload.GetRawText());
        });
        await node.ConnectAsync();
        var sender = await proxy.RegisterSenderAsync();

        var requests = Enumerable.Range(1, 5).Select(n => proxy.Control.PostAsync($"/request/{sender}",
            $$"""{"topic":"{{service}}","message":{{n}},"timeout":60}""")).ToList();
        await node.WaitForAsync(() => node.Requests.Count == 2, Limit, "two requests never came");
        // The other three wait at the dispatcher while two are in flight: a marker request of a second node proves
        // deliveries keep flowing meanwhile, so the three are held, not merely late.
        await using var marker = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}.marker","group":"g","path":"/m"}]}""");
        await marker.ConnectAsync();
        Assert.Equal(200, (await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}.marker","message":0,"timeout":20}""")).Code);
        Assert.Equal(2, node.Requests.Count);

        gate.SetResult();
        var answers = await Task.WhenAll(requests);
        Assert.All(answers, a => Assert.Equal(200, a.Code));
        Assert.Equal(5, node.Requests.Count);
    }

    [Fact]
    public async Task A_stream_node_and_a_core_responder_in_one_exclusion_group_handle_each_request_once()
    {
        const int requests = 200;
        var service = StreamProxy.Topic("shared");
        await using var node = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"workers","path":"/v","timeout":30}]}""");
        await node.ConnectAsync();
        // The in-repo Gilmour library, as compatible with Go and Ruby peers: a member of the same group.
        await using var nativeRedis = await proxy.Harness.Redis.ConnectAsync();
        await using var native = new Gilmour.Responding.Responder(nativeRedis);
        var nativelyServed = new System.Collections.Concurrent.ConcurrentQueue<int>();
        await native.StartAsync();
        var handler = await native.ReplyAsync(service, "workers", (message, _) =>
        {
            nativelyServed.Enqueue(message.Message.Data.GetInt32());
            return Task.FromResult(new Reply(message.Message.Data, Codes.Ok));
        }, TimeSpan.FromSeconds(30));
        var sender = await proxy.RegisterSenderAsync();
        // The dispatcher subscribes for the stream node after its stream opened: until both members hold the
        // channel, the native one is the group's only member.
        await Eventually.HoldsAsync(async () => await BusListeners.CountAsync(proxy.Redis, Channels.Request(service)) == 2, Limit,
            () => "the dispatcher never subscribed for the stream node");

        var answers = await Task.WhenAll(Enumerable.Range(1, requests).Select(n => proxy.Control.PostAsync($"/request/{sender}",
            $$"""{"topic":"{{service}}","message":{{n}},"timeout":30}""")));

        Assert.All(answers, a => Assert.True(a.Code == 200, a.ToString()));
        var streamed = node.Requests.Select(r => r.Payload.GetInt32()).ToList();
        var once = Faults.ExactlyOnce.Compare($"service {service} (a stream node and a native member)", Enumerable.Range(1, requests),
            [.. streamed, .. nativelyServed]);
        Assert.True(once.Holds, once.ToString());

        // The group lock goes to whichever member asks first, so the split above depends on scheduling. With the
        // native member gone, the stream node alone serves the group.
        await handler.DisposeAsync();
        await Eventually.HoldsAsync(async () => await BusListeners.CountAsync(proxy.Redis, Channels.Request(service)) == 1, Limit,
            () => "the native member never left the channel");
        var before = node.Requests.Count;
        var alone = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":{{requests + 1}},"timeout":30}""");
        Assert.True(alone.Code == 200, alone.ToString());
        Assert.Equal(requests + 1, alone.Body.GetProperty("messages")[0].GetProperty("data").GetInt32());
        Assert.Equal(before + 1, node.Requests.Count);
    }

    [Fact]
    public async Task A_sender_is_ok_at_once_publishes_and_is_never_probed_nor_a_stream_node()
    {
        var service = StreamProxy.Topic("from-sender");
        await using var node = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v"}]}""");
        var registered = await proxy.Control.PostAsync("/nodes", """{"transport":"none"}""");
        Assert.Equal(201, registered.Code);
        Assert.Equal("ok", registered.Body.GetProperty("status").GetString());
        var sender = registered.Body.GetProperty("id").GetString()!;
        var shown = await proxy.Control.GetAnswerAsync($"/nodes/{sender}");
        Assert.Equal(["id", "status", "slots", "services", "transport"], shown.Body.FieldNames());
        Assert.Equal("none", shown.Body.GetProperty("transport").GetString());

        // A callback node's probes count the HealthMonitor's rounds: after several, neither the sender nor the stream
        // node that has not connected has been touched.
        await using var clock = await proxy.StartNodeAsync();
        await proxy.Control.RegisterNodeAsync(clock.Port);
        var probes = clock.HealthProbes;
        await Eventually.HoldsAsync(() => clock.HealthProbes >= probes + 3, Limit, () => "the HealthMonitor stopped probing");
        Assert.Equal(NodeStatus.Ok, (await proxy.Registry.GetAsync(sender))!.Status);
        Assert.Equal(NodeStatus.Unavailable, (await proxy.Registry.GetAsync(node.Id))!.Status);
        Assert.Equal(409, (await proxy.Control.PostAsync($"/nodes/{node.Id}/activate", "")).Code);

        await node.ConnectAsync();
        var answer = await proxy.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":"from a sender","timeout":9}""");
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.Equal(200, (await proxy.Control.PostAsync($"/signal/{sender}", $$"""{"topic":"{{service}}.any","message":1}""")).Code);
    }
}
