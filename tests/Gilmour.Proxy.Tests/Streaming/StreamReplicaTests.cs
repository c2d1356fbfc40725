using System.Collections.Concurrent;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Faults;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// Stream nodes behind two of each service: a stream lands on one ControlApi, requests and replies go through the
/// other, and every request and signal reaches each subscription exactly once. A ControlApi that dies takes its
/// streams with it and leaves their leases behind; the nodes go unavailable once the leases lapse and are served
/// again through the other.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamReplicaTests(ITestOutputHelper output)
{
    private const int Messages = 2000;
    private const int Clients = 16;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_two_of_each_service_every_request_and_signal_reaches_stream_nodes_exactly_once()
    {
        await using var harness = await ProxyHarness.StartAsync(StreamProxy.Fast);
        await Task.WhenAll(harness.StartServiceAsync(ProxyHarness.ControlApi), harness.StartServiceAsync(ProxyHarness.Dispatcher),
            harness.StartServiceAsync(ProxyHarness.HealthMonitor));
        var (streamApi, otherApi) = ControlApis(harness);
        using var streamHttp = new HttpClient { BaseAddress = streamApi };
        using var otherHttp = new HttpClient { BaseAddress = otherApi, Timeout = TimeSpan.FromSeconds(60) };

        var service = StreamProxy.Topic("rep");
        var fan = StreamProxy.Topic("fan");
        var grouped = StreamProxy.Topic("once");
        var family = StreamProxy.Topic("events");
        var subscriptions = $$"""
            {"services":[{"topic":"{{service}}","group":"workers","path":"/echo","timeout":30}],
             "slots":[{"topic":"{{fan}}","path":"/fan"},{"topic":"{{grouped}}","group":"g","path":"/once"},{"topic":"{{family}}.*","path":"/events"}]}
            """;
        // Both streams on one ControlApi; their replies, and every request and signal, through the other.
        await using var first = new StreamingNode(streamHttp, otherHttp);
        await using var second = new StreamingNode(streamHttp, otherHttp);
        await first.RegisterAsync(subscriptions);
        await second.RegisterAsync(subscriptions);
        await first.ConnectAsync();
        await second.ConnectAsync();
        var sender = (await otherHttp.PostAsync("/nodes", """{"transport":"none"}""")).Body.GetProperty("id").GetString()!;

        await using var redis = await harness.Redis.ConnectAsync();
        // Both dispatchers hold the subscriptions (NUMSUB counts one per dispatcher connection, whatever its nodes):
        // only the lock and the slot claim keep a message single.
        await Eventually.HoldsAsync(async () => await BusListeners.CountAsync(redis, Channels.Request(service)) == 2
                && await BusListeners.CountAsync(redis, Channels.Slot(fan)) == 2, Limit,
            () => "both dispatchers never held every subscription\n" + harness.Logs);

        var results = new ConcurrentQueue<(int Number, Answer Answer)>();
        await Parallel.ForEachAsync(Enumerable.Range(1, Messages), new ParallelOptions { MaxDegreeOfParallelism = Clients }, async (n, _) =>
        {
            var (path, body) = (n % 4) switch
            {
                0 => ($"/request/{sender}", $$"""{"topic":"{{service}}","message":{{n}},"timeout":30}"""),
                1 => ($"/signal/{sender}", $$"""{"topic":"{{fan}}","message":{{n}}}"""),
                2 => ($"/signal/{sender}", $$"""{"topic":"{{grouped}}","message":{{n}}}"""),
                _ => ($"/signal/{sender}", $$"""{"topic":"{{family}}.{{"abc"[n % 3]}}","message":{{n}}}"""),
            };
            results.Enqueue((n, await otherHttp.PostAsync(path, body)));
        });
        Assert.All(results, r => Assert.True(r.Answer.Code == 200, $"message {r.Number}: {r.Answer}"));
        Assert.All(results.Where(r => r.Number % 4 == 0), r => Assert.Equal(r.Number, r.Answer.Body.GetProperty("messages")[0].GetProperty("data").GetInt32()));

        // Fences: one more signal per slot. A dispatcher sees a channel's messages in publish order, so once a fence
        // is delivered a late duplicate of an earlier signal would have had its chance to arrive too.
        int[] fences = [Messages + 1, Messages + 2, Messages + 3];
        string[] fenced = [fan, grouped, family + ".a"];
        for (var i = 0; i < fences.Length; i++)
            Assert.Equal(200, (await otherHttp.PostAsync($"/signal/{sender}", $$"""{"topic":"{{fenced[i]}}","message":{{fences[i]}}}""")).Code);

        IEnumerable<int> Numbers(int kind) => Enumerable.Range(1, Messages).Where(n => n % 4 == kind).Concat(kind == 0 ? [] : [fences[kind - 1]]);
        static IEnumerable<int> Got(StreamingNode node, string path) =>
            node.Events.Where(e => e.Path == path).Select(e => e.Payload.GetInt32());
        ExactlyOnce[] Counts() =>
        [
            ExactlyOnce.Compare($"service {service} (group workers on two stream nodes)", Numbers(0), [.. Got(first, "/echo"), .. Got(second, "/echo")]),
            ExactlyOnce.Compare($"slot {fan} on the first node", Numbers(1), Got(first, "/fan")),
            ExactlyOnce.Compare($"slot {fan} on the second node", Numbers(1), Got(second, "/fan")),
            ExactlyOnce.Compare($"slot {grouped} (group g on two stream nodes)", Numbers(2), [.. Got(first, "/once"), .. Got(second, "/once")]),
            ExactlyOnce.Compare($"slot {family}.* on the first node", Numbers(3), Got(first, "/events")),
            ExactlyOnce.Compare($"slot {family}.* on the second node", Numbers(3), Got(second, "/events")),
        ];
        await Eventually.HoldsAsync(() => Counts().All(c => c.Missing.Count == 0), Limit, () => string.Join("\n", Counts().Select(c => c.ToString())));

        var counts = Counts();
        foreach (var count in counts) output.WriteLine(count.ToString());
        Assert.All(counts, c => Assert.True(c.Holds, c.ToString()));
        Assert.True(Got(first, "/echo").Any() && Got(second, "/echo").Any(), "one node of the group served every request");
        Assert.All(first.Replies.Concat(second.Replies), r => Assert.Equal(System.Net.HttpStatusCode.OK, r.Status));
    }

    [Fact]
    public async Task When_the_control_api_holding_the_stream_dies_the_node_goes_unavailable_and_is_served_through_the_other()
    {
        await using var harness = await ProxyHarness.StartAsync(StreamProxy.Fast);
        await harness.StartServiceAsync(ProxyHarness.ControlApi);
        var (streamApi, otherApi) = ControlApis(harness);
        using var streamHttp = new HttpClient { BaseAddress = streamApi };
        using var otherHttp = new HttpClient { BaseAddress = otherApi, Timeout = TimeSpan.FromSeconds(60) };
        var service = StreamProxy.Topic("survivor");
        await using var node = new StreamingNode(streamHttp, otherHttp);
        await node.RegisterAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v","timeout":20}]}""");
        await node.ConnectAsync();
        var sender = (await otherHttp.PostAsync("/nodes", """{"transport":"none"}""")).Body.GetProperty("id").GetString()!;
        Assert.Equal(200, (await otherHttp.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":1,"timeout":20}""")).Code);

        // SIGKILL: no close, no lease given up, and the node stays ok: only its lease lapsing takes it off the bus.
        await harness.Services.Single(s => s.BaseAddress == streamApi).KillAsync();
        await node.WaitForEndAsync(Limit);
        await using var redis = await harness.Redis.ConnectAsync();
        var registry = new NodeRegistry(redis);
        Assert.Equal(NodeStatus.Ok, (await registry.GetAsync(node.Id))!.Status);
        // The lease would live three of the long heartbeats; nobody renews it any more, so its lapse is played at once.
        Assert.True(await redis.GetDatabase().KeyExpireAsync(RegistryKeys.StreamLease(node.Id), TimeSpan.FromMilliseconds(1)),
            "the killed control API gave its stream's lease up");
        await Eventually.HoldsAsync(async () => (await registry.GetAsync(node.Id))?.Status == NodeStatus.Unavailable, Limit,
            () => "the node stayed ok with its control API dead\n" + harness.Logs);
        // The log line follows the registry write, and reaches the test through the process's output.
        await Eventually.HoldsAsync(() => harness.Service(ProxyHarness.HealthMonitor).Output.Contains("its stream's lease lapsed"), Limit,
            () => "the HealthMonitor never said why the node went unavailable\n" + harness.Logs);
        // Both dispatchers take the node off the bus. A request published in the instant one of them is unsubscribing
        // reaches Redis's count of receivers but no handler (design.md, "How a registration becomes live"): the test asks
        // once nobody holds the service.
        await Eventually.HoldsAsync(async () => await BusListeners.CountAsync(redis, Channels.Request(service)) == 0, Limit,
            () => "the dispatchers kept the unavailable node's service subscribed\n" + harness.Logs);
        var meanwhile = await otherHttp.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":2,"timeout":20}""");
        Assert.True(meanwhile.Code == 404, meanwhile.ToString());

        // The node reconnects through the ControlApi that is left.
        node.StreamHttp = otherHttp;
        await node.ConnectAsync();
        var answer = await otherHttp.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":3,"timeout":20}""");
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.Equal(3, answer.Body.GetProperty("messages")[0].GetProperty("data").GetInt32());
        Assert.Equal(NodeStatus.Ok, (await registry.GetAsync(node.Id))!.Status);
    }

    [Fact]
    public async Task A_control_api_shutting_down_tells_its_streams_and_their_nodes_move_to_the_other()
    {
        await using var harness = await ProxyHarness.StartAsync(StreamProxy.Fast);
        await harness.StartServiceAsync(ProxyHarness.ControlApi);
        var (streamApi, otherApi) = ControlApis(harness);
        using var streamHttp = new HttpClient { BaseAddress = streamApi };
        using var otherHttp = new HttpClient { BaseAddress = otherApi, Timeout = TimeSpan.FromSeconds(60) };
        var service = StreamProxy.Topic("moving");
        await using var node = new StreamingNode(streamHttp, otherHttp);
        await node.RegisterAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v","timeout":20}]}""");
        await node.ConnectAsync();
        var sender = (await otherHttp.PostAsync("/nodes", """{"transport":"none"}""")).Body.GetProperty("id").GetString()!;

        // SIGTERM, as a rolling restart sends: the stream is told why before the server stops.
        var stopping = harness.Services.Single(s => s.BaseAddress == streamApi).TerminateAsync(TimeSpan.FromSeconds(30));
        await node.WaitForEndAsync(Limit);
        Assert.Equal(["shutting down"], node.CloseReasons);

        node.StreamHttp = otherHttp;
        await node.ConnectAsync();
        var answer = await otherHttp.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":"moved","timeout":20}""");
        Assert.True(answer.Code == 200, answer.ToString());
        await stopping;
        Assert.Equal(0, harness.Services.Single(s => s.BaseAddress == streamApi).ExitCode);
    }

    private static (Uri Stream, Uri Other) ControlApis(ProxyHarness harness)
    {
        var apis = harness.Services.Where(s => s.Name == ProxyHarness.ControlApi).Select(s => s.BaseAddress).ToList();
        Assert.Equal(2, apis.Count);
        return (apis[0], apis[1]);
    }
}
