using System.Text.Json;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>A node that dials out, through the real services: deliveries down its stream, replies up, and on the bus it
/// looks like any Gilmour process.</summary>
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
        await Eventually.HoldsAsync(async () => await SubscribersAsync(redis, Channels.Request(service)) == 0, Limit, () => "still subscribed");
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

    private static async Task<long> SubscribersAsync(ConnectionMultiplexer redis, string channel)
    {
        var numsub = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)numsub[1];
    }
}
