using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// Two of each service on one Redis behave as one proxy: 5,000 numbered requests and signals, spread over both
/// ControlApis by 16 concurrent clients, reach every node subscription exactly once (a grouped one once per group,
/// across both dispatchers and a native Gilmour member in the same group), and the two HealthMonitors probe each
/// node as one would.
/// </summary>
public sealed class ReplicaExactlyOnceTests(ITestOutputHelper output)
{
    private const int Messages = 5000;
    private const int Clients = 16;
    private const string Service = "rep.echo";
    private const string ServiceGroup = "workers";
    private const string FanSlot = "rep.fan";
    private const string GroupedSlot = "rep.once";
    private const string WildcardSlot = "rep.events.*";

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Gilmour__HealthMonitor__IntervalSeconds"] = "1",
        ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.9",
        // A probe slowed by this load on two cores must not turn a node unavailable and drop slot deliveries the
        // count expects: nothing here tests unavailability, so only ten misses in a row do.
        ["Gilmour__HealthMonitor__FailureThreshold"] = "10",
    };

    [Fact]
    public async Task Two_of_each_service_deliver_5000_messages_to_each_subscription_exactly_once()
    {
        var clock = Stopwatch.StartNew();
        await using var harness = await ProxyHarness.StartAsync(Settings);
        await Task.WhenAll(harness.StartServiceAsync(ProxyHarness.ControlApi), harness.StartServiceAsync(ProxyHarness.Dispatcher),
            harness.StartServiceAsync(ProxyHarness.HealthMonitor));
        var replicas = harness.Services.Where(s => s.Name == ProxyHarness.ControlApi).ToList();
        Assert.Equal(2, replicas.Count);
        using var firstControl = new HttpClient { BaseAddress = replicas[0].BaseAddress };
        using var secondControl = new HttpClient { BaseAddress = replicas[1].BaseAddress };
        HttpClient[] controls = [firstControl, secondControl];

        await using var first = await TestNode.StartAsync();
        await using var second = await TestNode.StartAsync();
        await using var watcher = await TestNode.StartAsync();
        await using var firstSender = await TestNode.StartAsync();
        await using var secondSender = await TestNode.StartAsync();
        // The same subscriptions on two nodes, each registered through a different ControlApi.
        const string shared = $$"""
            {"services":[{"topic":"{{Service}}","group":"{{ServiceGroup}}","path":"/echo","timeout":10}],
             "slots":[{"topic":"{{FanSlot}}","path":"/fan"},{"topic":"{{GroupedSlot}}","group":"g","path":"/once"}]}
            """;
        await controls[0].RegisterNodeAsync(first.Port, shared);
        await controls[1].RegisterNodeAsync(second.Port, shared);
        await controls[1].RegisterNodeAsync(watcher.Port, $$"""{"slots":[{"topic":"{{WildcardSlot}}","path":"/events"}]}""");
        string[] senders = [await controls[0].RegisterNodeAsync(firstSender.Port), await controls[1].RegisterNodeAsync(secondSender.Port)];

        // A native Gilmour member of the service's group, on its own connection, as a Go or Ruby program would be.
        await using var redis = await harness.Redis.ConnectAsync();
        await using var nativeConnection = await harness.Redis.ConnectAsync();
        await using var native = new Responder(nativeConnection);
        var nativelyServed = new ConcurrentQueue<int>();
        await native.StartAsync();
        await using (await native.ReplyAsync(Service, ServiceGroup, (message, _) =>
        {
            nativelyServed.Enqueue(message.Message.Data.GetInt32());
            return Task.FromResult(new Reply(message.Message.Data, Codes.Ok));
        }, TimeSpan.FromSeconds(10)))
        {
            // Both dispatchers hold every subscription (plus the native member on the service): a message is then
            // seen by both, and only the lock or the slot claim keeps it single.
            // PUBSUB NUMPAT counts distinct patterns, not subscribers, so the wildcard is checked by what PUBLISH
            // answers: the number of receivers. Each such check is a real signal, numbered below zero and expected.
            var warmUps = new List<int>();
            async Task<string> SubscribersNowAsync()
            {
                var now = $"{await SubscribersAsync(redis, Channels.Request(Service))} on {Service}, " +
                          $"{await SubscribersAsync(redis, Channels.Slot(FanSlot))} on {FanSlot}, {await SubscribersAsync(redis, Channels.Slot(GroupedSlot))} on {GroupedSlot}";
                if (now != $"3 on {Service}, 2 on {FanSlot}, 2 on {GroupedSlot}") return now;
                warmUps.Add(-warmUps.Count - 1);
                var receivers = await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Channels.Slot("rep.events.warmup")),
                    $$"""{"data":{{warmUps[^1]}},"code":200,"sender":"{{Guid.NewGuid():N}}"}""");
                return $"{now}, {receivers} on {WildcardSlot}";
            }
            const string everySubscription = $"3 on {Service}, 2 on {FanSlot}, 2 on {GroupedSlot}, 2 on {WildcardSlot}";
            var subscribers = "";
            await Eventually.HoldsAsync(async () => (subscribers = await SubscribersNowAsync()) == everySubscription,
                TimeSpan.FromSeconds(20), () => $"both dispatchers never held every subscription: {subscribers}\n{harness.Logs}");
            output.WriteLine($"proxy of two of each up, nodes registered: {clock.Elapsed.TotalSeconds:F1} s");

            TestNode[] probed = [first, second, watcher];
            var probesBefore = probed.Select(n => n.HealthProbes).ToArray();
            var takesBefore = LeaseTakes(harness);
            var window = Stopwatch.StartNew();
            await using var addresses = new ControlApiAddresses(controls.Select(c => c.BaseAddress!));
            await using var load = BalancedLoad.Start(addresses, n => CallFor(n, senders), Clients, limit: Messages);
            await load.Completion;
            var results = load.Results;
            output.WriteLine($"{Messages} messages sent by {Clients} clients over both ControlApis in {load.Now.TotalSeconds:F1} s");

            var failed = results.Where(r => r.Status != 200).ToList();
            Assert.True(failed.Count == 0, $"{failed.Count} calls not answered 200, first: {failed.FirstOrDefault()}\n{harness.Logs}");
            var requests = results.Where(r => r.Call.Path.StartsWith("/request/", StringComparison.Ordinal)).ToList();
            Assert.All(requests, r => Assert.Equal(r.Number,
                JsonDocument.Parse(r.Body).RootElement.GetProperty("messages")[0].GetProperty("data").GetInt32()));

            // Fences: one more signal to each slot. A dispatcher sees a channel's messages in publish order, so by the
            // time a fence is delivered a late duplicate of an earlier signal would have had its chance to arrive too.
            var fences = new Dictionary<string, int> { [FanSlot] = Messages + 1, [GroupedSlot] = Messages + 2, ["rep.events.fence"] = Messages + 3 };
            foreach (var (topic, number) in fences)
                Assert.Equal(200, (await controls[number % 2].PostAsync($"/signal/{senders[0]}", $$"""{"topic":"{{topic}}","message":{{number}}}""")).Code);

            var expected = new Dictionary<string, List<int>>
            {
                [Service] = [.. Numbers(KindOf.Request)],
                [FanSlot] = [.. Numbers(KindOf.Fan), fences[FanSlot]],
                [GroupedSlot] = [.. Numbers(KindOf.Grouped), fences[GroupedSlot]],
                [WildcardSlot] = [.. warmUps, .. Numbers(KindOf.Wildcard), fences["rep.events.fence"]],
            };
            ExactlyOnce[] Counts() =>
            [
                ExactlyOnce.Compare($"service {Service} (group {ServiceGroup}: two nodes and a native member)", expected[Service],
                    [.. Data(first, "/echo"), .. Data(second, "/echo"), .. nativelyServed]),
                ExactlyOnce.Compare($"slot {FanSlot} on the first node", expected[FanSlot], Data(first, "/fan")),
                ExactlyOnce.Compare($"slot {FanSlot} on the second node", expected[FanSlot], Data(second, "/fan")),
                ExactlyOnce.Compare($"slot {GroupedSlot} (group g on two nodes)", expected[GroupedSlot],
                    [.. Data(first, "/once"), .. Data(second, "/once")]),
                ExactlyOnce.Compare($"slot {WildcardSlot}", expected[WildcardSlot], Data(watcher, "/events")),
            ];
            await Eventually.HoldsAsync(() => Counts().All(c => c.Missing.Count == 0), TimeSpan.FromSeconds(20),
                () => string.Join("\n", Counts().Select(c => c.ToString())) + "\n" + harness.Logs);

            var counts = Counts();
            foreach (var count in counts) output.WriteLine(count.ToString());
            output.WriteLine($"service {Service} served by: first node {first.DeliveriesTo("/echo").Count}, " +
                             $"second node {second.DeliveriesTo("/echo").Count}, native member {nativelyServed.Count}; " +
                             $"slot {GroupedSlot}: first node {first.DeliveriesTo("/once").Count}, second node {second.DeliveriesTo("/once").Count}");
            Assert.All(counts, c => Assert.True(c.Holds, c.ToString()));
            // The group is shared by all three members, not won by whichever is fastest every time.
            Assert.All(new[] { first.DeliveriesTo("/echo").Count, second.DeliveriesTo("/echo").Count, nativelyServed.Count },
                served => Assert.True(served > 0, $"a member of {ServiceGroup} served no request"));

            // One HealthMonitor probes at a time. Its rounds start an interval apart at the earliest, so over a window
            // of W seconds a node gets at most W / interval probes, plus one for each end of the window and one for a
            // probe that arrived late, plus one for each takeover of the lease (the new holder probes at once). Both
            // probing would be twice as many. The window lasts until every node has had eight probes: long enough to
            // tell one from two, however slow the machine.
            await Eventually.HoldsAsync(() => probed.Select((n, i) => n.HealthProbes - probesBefore[i]).All(p => p >= 8), TimeSpan.FromSeconds(60),
                () => $"the nodes were not probed: {string.Join(", ", probed.Select((n, i) => n.HealthProbes - probesBefore[i]))}\n{harness.Logs}");
            var probes = probed.Select((n, i) => n.HealthProbes - probesBefore[i]).ToArray();
            var seconds = window.Elapsed.TotalSeconds;
            var takeovers = LeaseTakes(harness) - takesBefore;
            var most = (int)Math.Floor(seconds / ProbeInterval.TotalSeconds) + 3 + takeovers;
            output.WriteLine($"health probes per node in {seconds:F1} s at a 1 s interval with two monitors: {string.Join(", ", probes)} " +
                             $"({takeovers} lease takeovers, at most {most} from one prober)");
            Assert.All(probes, p => Assert.True(p <= most, $"{p} probes of a node in {seconds:F1} s: more than one monitor probes\n{harness.Logs}"));
            output.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private enum KindOf { Request, Fan, Grouped, Wildcard }

    /// <summary>Two in five are requests, the rest signals to each slot in turn; senders and replicas alternate.</summary>
    private static KindOf Kind(int n) => (n % 5) switch { 0 or 1 => KindOf.Request, 2 => KindOf.Fan, 3 => KindOf.Grouped, _ => KindOf.Wildcard };

    private static IEnumerable<int> Numbers(KindOf kind) => Enumerable.Range(1, Messages).Where(n => Kind(n) == kind);

    private static BalancedLoad.Call CallFor(int n, string[] senders)
    {
        var sender = senders[n / 5 % 2];
        return Kind(n) switch
        {
            KindOf.Request => new($"/request/{sender}", $$"""{"topic":"{{Service}}","message":{{n}},"timeout":10}"""),
            KindOf.Fan => new($"/signal/{sender}", $$"""{"topic":"{{FanSlot}}","message":{{n}}}"""),
            KindOf.Grouped => new($"/signal/{sender}", $$"""{"topic":"{{GroupedSlot}}","message":{{n}}}"""),
            _ => new($"/signal/{sender}", $$"""{"topic":"rep.events.{{"abc"[n % 3]}}","message":{{n}}}"""),
        };
    }

    private static IEnumerable<int> Data(TestNode node, string path) => node.DeliveriesTo(path).Select(d => d.Body.GetProperty("data").GetInt32());

    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    /// <summary>Times a HealthMonitor replica took the probing lease, as their logs say.</summary>
    private static int LeaseTakes(ProxyHarness harness)
    {
        const string taken = "now probes the nodes";
        var count = 0;
        foreach (var monitor in harness.Services.Where(s => s.Name == ProxyHarness.HealthMonitor))
        {
            var output = monitor.Output;
            for (var at = output.IndexOf(taken, StringComparison.Ordinal); at >= 0; at = output.IndexOf(taken, at + taken.Length, StringComparison.Ordinal)) count++;
        }
        return count;
    }

    private static async Task<long> SubscribersAsync(ConnectionMultiplexer redis, string channel)
    {
        var numsub = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)numsub[1];
    }
}
