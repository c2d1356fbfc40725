using System.Diagnostics;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// A rolling restart of a proxy run as two of each service, one replica at a time with SIGTERM, under a load that a
/// load balancer spreads over both ControlApis: nothing the proxy accepted is dropped or answered with an error, and
/// no request or signal is delivered twice.
/// </summary>
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    private const string Service = "roll.echo";
    private const string Slot = "roll.events";
    private static readonly TimeSpan GracefulLimit = TimeSpan.FromSeconds(30);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["Gilmour__HealthMonitor__IntervalSeconds"] = "1",
        ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.9",
        // Restarts load the two cores; a slow probe must not take the node's subscriptions away mid-test, and nothing
        // here tests unavailability: only ten misses in a row do.
        ["Gilmour__HealthMonitor__FailureThreshold"] = "10",
        // A stopping ControlApi drains this long: the balancer's probes (every 100 ms, each allowed 1 s) must see its
        // 503 within it even on a loaded machine, or calls would still go to it as it stops listening.
        ["Gilmour__ControlApi__ShutdownDrainSeconds"] = "5",
        // Kestrel's per-request log lines (off by default) let the test tell which calls a stopped ControlApi took up.
        ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information",
    };

    [Fact]
    public async Task Rolling_restart_of_every_replica_under_load_drops_nothing_accepted_and_delivers_each_message_once()
    {
        var clock = Stopwatch.StartNew();
        await using var harness = await ProxyHarness.StartAsync(Settings);
        await Task.WhenAll(harness.StartServiceAsync(ProxyHarness.ControlApi), harness.StartServiceAsync(ProxyHarness.Dispatcher),
            harness.StartServiceAsync(ProxyHarness.HealthMonitor));
        var originals = harness.Services.ToList();

        await using var server = await TestNode.StartAsync();
        await using var sender = await TestNode.StartAsync();
        // A little work per request keeps deliveries in flight whenever a replica is told to stop.
        server.Handle("/work", async (delivery, cancel) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancel);
            return new NodeAnswer(200, delivery.Body.GetProperty("data").GetRawText());
        });
        using (var control = new HttpClient { BaseAddress = Replicas(originals, ProxyHarness.ControlApi)[1].BaseAddress })
        {
            await control.RegisterNodeAsync(server.Port, $$"""
                {"services":[{"topic":"{{Service}}","group":"g","path":"/work","timeout":20}],"slots":[{"topic":"{{Slot}}","path":"/events"}]}
                """);
        }
        var senderId = await harness.Control.RegisterNodeAsync(sender.Port);
        await using var redis = await harness.Redis.ConnectAsync();
        await WaitServedByTwoDispatchersAsync(harness, redis);

        await using var addresses = new ControlApiAddresses(Replicas(originals, ProxyHarness.ControlApi).Select(c => c.BaseAddress));
        addresses.WatchHealth();
        await using var load = BalancedLoad.Start(addresses, n => n % 2 == 0
            ? new BalancedLoad.Call($"/request/{senderId}", $$"""{"topic":"{{Service}}","message":{{n}},"timeout":20}""")
            : new BalancedLoad.Call($"/signal/{senderId}", $$"""{"topic":"{{Slot}}","message":{{n}}}"""), clients: 8);
        await Eventually.HoldsAsync(() => load.Results.Count >= 100, TimeSpan.FromSeconds(30), () => $"the load never got going\n{harness.Logs}");

        var restartFrom = load.Now;
        var exits = new List<string>();
        foreach (var dispatcher in Replicas(originals, ProxyHarness.Dispatcher))
        {
            var step = load.Results.Count;
            await TerminateAsync(dispatcher, exits, () => load.Now);
            await harness.StartServiceAsync(ProxyHarness.Dispatcher);
            await WaitServedByTwoDispatchersAsync(harness, redis);
            await KeptGoingAsync(load, step, harness);
        }
        foreach (var control in Replicas(originals, ProxyHarness.ControlApi))
        {
            // The stopping replica answers /health with 503 while it drains: the balancer stops sending to it, and the
            // calls on its open connections are answered and closed (Connection: close) before the server stops.
            var step = load.Results.Count;
            await TerminateAsync(control, exits, () => load.Now);
            var replacement = await harness.StartServiceAsync(ProxyHarness.ControlApi);
            addresses.Replace(control.BaseAddress, replacement.BaseAddress);
            await Eventually.HoldsAsync(() => load.Results.Any(r => r.Replica == replacement.BaseAddress && r.Status == 200),
                TimeSpan.FromSeconds(60), () => $"the new ControlApi {replacement.BaseAddress} answered nothing\n{harness.Logs}");
            await KeptGoingAsync(load, step, harness);
        }
        foreach (var monitor in Replicas(originals, ProxyHarness.HealthMonitor))
        {
            var step = load.Results.Count;
            await TerminateAsync(monitor, exits, () => load.Now);
            await harness.StartServiceAsync(ProxyHarness.HealthMonitor);
            var probes = server.HealthProbes;
            await Eventually.HoldsAsync(() => server.HealthProbes >= probes + 2, TimeSpan.FromSeconds(60),
                () => $"the node was not probed after a HealthMonitor restart\n{harness.Logs}");
            await KeptGoingAsync(load, step, harness);
        }
        var restartUntil = load.Now;
        var answeredBefore = load.Results.Count;
        await Eventually.HoldsAsync(() => load.Results.Count >= answeredBefore + 100, TimeSpan.FromSeconds(60));
        await load.StopAsync();
        var results = load.Results;

        var during = results.Where(r => r.At > restartFrom && r.At <= restartUntil).ToList();
        var failed = results.Where(r => r.Status != 200).ToList();
        output.WriteLine($"rolling restart of six replicas took {(restartUntil - restartFrom).TotalSeconds:F1} s; {string.Join("; ", exits)}");
        output.WriteLine($"sent {results.Count} ({during.Count} during the restart), answered 200 {results.Count(r => r.Status == 200)}, " +
                         $"retried on refusal {results.Count(r => r.Refusals > 0)} ({results.Sum(r => r.Refusals)} refusals), " +
                         $"lost {failed.Count} (499: {failed.Count(r => r.Status == 499)}, no answer: {failed.Count(r => r.Status == 0)})");
        // Kestrel logs each request it started and finished: equal counts in a stopped ControlApi mean every request
        // it took up was answered, and a failed call there never got into it.
        foreach (var control in Replicas(originals, ProxyHarness.ControlApi))
            output.WriteLine($"{control.Name} ({control.Port}): {Occurrences(control.Output, "Request starting HTTP/1.1 POST")} POSTs started, " +
                             $"{Occurrences(control.Output, "Request finished HTTP/1.1 POST")} finished");
        var reachedNode = Data(server, "/work").Concat(Data(server, "/events")).ToHashSet();
        foreach (var failure in failed.Take(10))
            output.WriteLine($"  #{failure.Number} {failure.Call.Path} at {failure.At.TotalSeconds:F1} s via {failure.Replica}: {failure.Status} {failure.Body}" +
                             $"{failure.Failure}; reached the node: {reachedNode.Contains(failure.Number)}");

        Assert.True(failed.Count == 0, $"{failed.Count} accepted calls were not answered 200, first: {failed.FirstOrDefault()}\n{harness.Logs}");
        Assert.All(results.Where(r => r.Call.Path.StartsWith("/request/", StringComparison.Ordinal)), r => Assert.Equal(r.Number,
            JsonDocument.Parse(r.Body).RootElement.GetProperty("messages")[0].GetProperty("data").GetInt32()));
        Assert.All(exits, exit => Assert.EndsWith("exit code 0", exit));

        var requests = ExactlyOnce.Compare($"service {Service}", Numbers(results, "/request/"), Data(server, "/work"));
        var signals = ExactlyOnce.Compare($"slot {Slot}", Numbers(results, "/signal/"), Data(server, "/events"));
        await Eventually.HoldsAsync(() => ExactlyOnce.Compare(signals.Subscription, Numbers(results, "/signal/"), Data(server, "/events")).Missing.Count == 0,
            TimeSpan.FromSeconds(30), () => ExactlyOnce.Compare(signals.Subscription, Numbers(results, "/signal/"), Data(server, "/events")).ToString());
        signals = ExactlyOnce.Compare($"slot {Slot}", Numbers(results, "/signal/"), Data(server, "/events"));
        output.WriteLine(requests.ToString());
        output.WriteLine(signals.ToString());
        output.WriteLine($"test took {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(requests.Holds, requests.ToString());
        Assert.True(signals.Holds, signals.ToString());
    }

    /// <summary>
    /// Waits until the load has had <see cref="CallsPerStep"/> more calls answered since <paramref name="resultsAtStepStart"/>:
    /// every replica's restart happens under load, however slowly the machine gets through it.
    /// </summary>
    private static Task KeptGoingAsync(BalancedLoad load, int resultsAtStepStart, ProxyHarness harness) =>
        Eventually.HoldsAsync(() => load.Results.Count >= resultsAtStepStart + CallsPerStep, TimeSpan.FromSeconds(60),
            () => $"the load stalled: {load.Results.Count - resultsAtStepStart} calls answered in this step\n{harness.Logs}");

    private const int CallsPerStep = 50;

    private static List<ServiceProcess> Replicas(IEnumerable<ServiceProcess> services, string name) => [.. services.Where(s => s.Name == name)];

    /// <summary>SIGTERM, as an orchestrator rolls a replica; notes when (on the load's clock) and whether it stopped on its own within the limit.</summary>
    private static async Task TerminateAsync(ServiceProcess service, List<string> exits, Func<TimeSpan> clock)
    {
        var stopping = Stopwatch.StartNew();
        var at = clock();
        await service.TerminateAsync(GracefulLimit);
        exits.Add($"{service.Name} ({service.Port}) SIGTERM at {at.TotalSeconds:F1} s, stopped in {stopping.Elapsed.TotalSeconds:F1} s, exit code {service.ExitCode}");
    }

    /// <summary>Both dispatchers (old or new) hold the node's service and slot.</summary>
    private static Task WaitServedByTwoDispatchersAsync(ProxyHarness harness, ConnectionMultiplexer redis) =>
        Eventually.HoldsAsync(async () =>
                await SubscribersAsync(redis, Channels.Request(Service)) == 2 && await SubscribersAsync(redis, Channels.Slot(Slot)) == 2,
            TimeSpan.FromSeconds(20), () => $"two dispatchers never held the node's subscriptions\n{harness.Logs}");

    private static IEnumerable<int> Numbers(IEnumerable<BalancedLoad.Result> results, string pathPrefix) =>
        results.Where(r => r.Status == 200 && r.Call.Path.StartsWith(pathPrefix, StringComparison.Ordinal)).Select(r => r.Number);

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static IEnumerable<int> Data(TestNode node, string path) => node.DeliveriesTo(path).Select(d => d.Body.GetProperty("data").GetInt32());

    private static async Task<long> SubscribersAsync(ConnectionMultiplexer redis, string channel)
    {
        var numsub = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)numsub[1];
    }
}
