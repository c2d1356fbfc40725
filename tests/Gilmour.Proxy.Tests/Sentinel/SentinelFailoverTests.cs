using System.Diagnostics;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Sentinel;

/// <summary>
/// The three services connected through three real Sentinels to a primary and its replica, under 8 clients that
/// alternate requests and signals; the primary is SIGKILLed. The proxy serves again after the Sentinels promote the
/// replica; every call is answered by the proxy itself; a failure is a 503 or 499 (never a 404 for the live topic),
/// either of a call whose connection died under it or of one that waited out its own time, and none
/// once the proxy served again; every signal answered 200 reaches its slot, once, and every subscription (the
/// dispatcher's, the ControlApi's reply pattern) is on the new primary.
/// </summary>
/// <remarks>
/// Only the order of events and lower bounds on durations are checked: how long the proxy takes to react is the
/// machine's, and a loaded one would fail any upper bound by chance. The HTTP client's own limit, far beyond every
/// call's time, is what keeps a call from hanging.
/// </remarks>
[Collection(Failovers.Name)]
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    private const int Clients = 8;
    private const double RequestTimeoutSeconds = 5;
    private const string Topic = "ha.echo";
    private const string Slot = "ha.events";

    /// <summary>How much earlier than its due time the proxy's timer for a call may fire.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(50);

    private static readonly Dictionary<string, string> Settings = new()
    {
        // A health probe slowed by the load must not take the node off the bus in the middle of the count.
        ["Gilmour__HealthMonitor__FailureThreshold"] = "3",
        ["Gilmour__Dispatcher__ReconcileSeconds"] = "1",
    };

    [Fact]
    public async Task Proxy_follows_a_Sentinel_failover_under_load_without_false_404s_or_lost_signals()
    {
        await using var cluster = await SentinelCluster.StartAsync();
        await using var harness = await ProxyHarness.StartAsync(cluster, Settings);
        await using var server = await TestNode.StartAsync();
        await using var client = await TestNode.StartAsync();
        await harness.Control.RegisterNodeAsync(server.Port, $$"""
            {"services":[{"topic":"{{Topic}}","group":"workers","path":"/echo","timeout":10}],
             "slots":[{"topic":"{{Slot}}","path":"/events"}]}
            """);
        var clientId = await harness.Control.RegisterNodeAsync(client.Port);

        await using var load = FailoverLoad.Start(harness.Control.BaseAddress!, clientId, Topic, Slot, Clients, RequestTimeoutSeconds);
        await Eventually.HoldsAsync(() => load.Answered(Publish.Request, 200) >= 200 && load.Answered(Publish.Signal, 200) >= 200,
            TimeSpan.FromSeconds(60), () => Summary(load.Calls, 0) + "\n" + harness.Logs);

        var kill = await cluster.KillPrimaryAsync();
        var killedAt = kill.After;
        var switched = await cluster.Switched.WaitAsync(TimeSpan.FromSeconds(60));
        // Served again, and for a while: 100 requests and 100 signals sent after the kill answered 200.
        await Eventually.HoldsAsync(() => load.Calls.Count(c => c.Sent > killedAt && c.Status == 200 && c.Kind == Publish.Request) >= 100
                && load.Calls.Count(c => c.Sent > killedAt && c.Status == 200 && c.Kind == Publish.Signal) >= 100,
            TimeSpan.FromSeconds(60), () => Summary(load.Calls, killedAt) + "\n" + harness.Logs);
        await load.StopAsync();
        var calls = load.Calls;

        // Every signal answered 200 reaches the slot: wait for the last deliveries to land.
        var signalled = calls.Where(c => c.Kind == Publish.Signal && c.Status == 200).Select(c => c.Sequence).ToHashSet();
        await Eventually.HoldsAsync(() => signalled.IsSubsetOf(Numbers(server.DeliveriesTo("/events"))), TimeSpan.FromSeconds(15),
            () => $"lost signals: {string.Join(",", signalled.Except(Numbers(server.DeliveriesTo("/events"))).Take(20))}\n{Summary(calls, killedAt)}");
        var delivered = Numbers(server.DeliveriesTo("/events"));
        var served = Numbers(server.DeliveriesTo("/echo"));

        var servedAgain = calls.Where(c => c.Kind == Publish.Probe && c.Sent > killedAt && c.Status == 200).Min(c => c.Answered);
        var fromKill = Stopwatch.GetElapsedTime(killedAt, servedAgain);
        var fromSwitch = Stopwatch.GetElapsedTime(switched.Timestamp, servedAgain);
        var failures = calls.Where(c => c.Status != 200).ToList();
        output.WriteLine($"""
            the kill took {Stopwatch.GetElapsedTime(kill.Before, kill.After).TotalSeconds:F2} s; Sentinels announced the new primary {Stopwatch.GetElapsedTime(killedAt, switched.Timestamp).TotalSeconds:F2} s after it;
            the proxy served again {fromKill.TotalSeconds:F2} s after the kill, {fromSwitch.TotalSeconds:F2} s after the announcement;
            {Summary(calls, killedAt)};
            signals answered 200: {signalled.Count}, lost {signalled.Except(delivered).Count()}, delivered twice {Twice(server.DeliveriesTo("/events"))};
            requests delivered twice {Twice(server.DeliveriesTo("/echo"))}; slowest request {calls.Where(c => c.Kind != Publish.Signal).Max(c => c.Took).TotalSeconds:F2} s,
            slowest signal {calls.Where(c => c.Kind == Publish.Signal).Max(c => c.Took).TotalSeconds:F2} s
            """);

        // No 404 for the live topic, ever. Every failure is the proxy's own answer, a 503 or a 499 with its JSON body:
        // none is the HTTP client giving up (status 0), so nothing waited for the dead primary past the client's limit.
        Assert.DoesNotContain(calls, c => c.Status == 404);
        Assert.All(failures, c =>
        {
            Assert.True(c.Status != 0, $"{c.Kind} {c.Sequence} got no answer from the proxy: {c.Body}");
            Assert.True(c.Status is 503 or 499, $"{c.Kind} {c.Sequence} answered {c.Status}: {c.Body}");
            Assert.True(ProxyMade(c), $"{c.Kind} {c.Sequence} answered {c.Status} without the proxy's body: {c.Body}");
        });
        // Once the proxy served again, nothing fails: no call sent after the first 200 since the kill was answered.
        Assert.All(failures, c => Assert.True(c.Sent < servedAgain,
            $"{c.Kind} {c.Sequence} sent {Stopwatch.GetElapsedTime(servedAgain, c.Sent).TotalSeconds:F2} s after the proxy served again failed: {c.Status} {c.Body}"));
        // The kill catches at most one call of each client in flight.
        Assert.True(failures.Count(c => c.Kind != Publish.Probe && kill.Caught(c.Sent, c.Answered)) <= Clients);
        // A failure that came before its own time ran out had the connection die under it (the call may have reached the
        // dead primary, so it was not sent again); every later call waits for a primary instead. So once the proxy
        // answered the first of them it knew the connection was gone, and no call sent after that fails early; and a
        // client, one call at a time, meets that at most once.
        var early = failures.Where(c => c.Took < OwnTime(c) - TimerGranularity).ToList();
        if (early.Count > 0)
        {
            var firstEarly = early.Min(c => c.Answered);
            Assert.All(early, c => Assert.True(c.Sent < firstEarly,
                $"{c.Kind} {c.Sequence} sent {Stopwatch.GetElapsedTime(killedAt, c.Sent).TotalSeconds:F2} s after the kill failed after {c.Took.TotalSeconds:F2} s, before its time: {c.Status} {c.Body}"));
        }
        Assert.True(early.Count(c => c.Kind != Publish.Probe) <= Clients,
            $"{early.Count(c => c.Kind != Publish.Probe)} calls of the clients failed before their time\n{Summary(calls, killedAt)}");
        // Exactly once: nothing lost, nothing twice (the lock and the claim taken on the old primary do not let the
        // new one deliver a message again).
        Assert.Empty(signalled.Except(delivered));
        Assert.Equal(0, Twice(server.DeliveriesTo("/events")));
        Assert.Equal(0, Twice(server.DeliveriesTo("/echo")));
        Assert.True(served.Count > 0);

        // Every subscription moved to the new primary: the dispatcher's service and slot, the requester's reply pattern.
        await using var primary = await SentinelCluster.ConnectToAsync(switched.NewPrimaryPort);
        var database = primary.GetDatabase();
        var numsub = (RedisResult[])(await database.ExecuteAsync("PUBSUB", "NUMSUB", Channels.Request(Topic), Channels.Slot(Slot)))!;
        Assert.Equal(1, (long)numsub[1]);
        Assert.Equal(1, (long)numsub[3]);
        Assert.True((long)await database.ExecuteAsync("PUBSUB", "NUMPAT") >= 1, "the ControlApi's reply pattern is not on the new primary");
    }

    /// <summary>How long the proxy may spend on a call: a request's timeout; for a signal, the wait for a primary.</summary>
    private static TimeSpan OwnTime(Call call) =>
        call.Kind == Publish.Signal ? Gilmour.Failover.RedisPrimary.DefaultWait : TimeSpan.FromSeconds(RequestTimeoutSeconds);

    /// <summary>The proxy's own failure body: <c>{"status": message}</c> for a 503, the timed-out reply for a 499.</summary>
    private static bool ProxyMade(Call call)
    {
        try
        {
            using var body = JsonDocument.Parse(call.Body);
            var root = body.RootElement;
            return call.Status == 503
                ? root.ValueKind == JsonValueKind.Object && root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
                : root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number && code.GetInt32() == 499;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static HashSet<int> Numbers(IEnumerable<Delivery> deliveries) =>
        deliveries.Select(d => d.Body.GetProperty("data")).Where(d => d.ValueKind == JsonValueKind.Number).Select(d => d.GetInt32()).ToHashSet();

    private static int Twice(IEnumerable<Delivery> deliveries) =>
        deliveries.Select(d => d.Body.GetProperty("data").GetRawText()).GroupBy(n => n).Count(g => g.Count() > 1);

    private static string Summary(IReadOnlyList<Call> calls, long killedAt)
    {
        var byStatus = calls.GroupBy(c => (c.Kind, c.Status)).OrderBy(g => g.Key).Select(g => $"{g.Key.Kind} {g.Key.Status}: {g.Count()}");
        var failures = calls.Where(c => c.Status != 200).Take(6)
            .Select(c => $"{c.Kind} sent {(killedAt == 0 ? 0 : Stopwatch.GetElapsedTime(killedAt, c.Sent).TotalSeconds):F2} s, took {c.Took.TotalSeconds:F2} s: {c.Status} {c.Body}");
        return $"{calls.Count} calls ({string.Join(", ", byStatus)}); e.g. {string.Join(" | ", failures)}";
    }
}
