using Gilmour.Proxy.Tests.HealthMonitor;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// A node whose health flaps faster than the monitor probes: status writes and subscription changes race each
/// other all along, and at the end the status and the Redis subscriptions must still agree with the node's health.
/// </summary>
public sealed class HealthFlapTests(ITestOutputHelper output)
{
    private const int Flaps = 100;

    [Fact]
    public async Task Node_flapping_100_times_ends_in_the_state_of_its_last_health_with_matching_subscriptions()
    {
        await using var harness = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            // A probe may take most of an interval: on a loaded two-core machine a tighter timeout turns a
            // healthy node unavailable now and then, which is the timeout doing its job, not a flap.
            ["Gilmour__HealthMonitor__IntervalSeconds"] = "0.3",
            ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.29",
            // For the same reason one late probe must not count as the node's health: with this suite's other
            // classes running beside it, a single probe over 0.29 s turned a settled ok node unavailable (seen in a CI
            // run). Two failures in a row still follow every flip that lasts two probes.
            ["Gilmour__HealthMonitor__FailureThreshold"] = "2",
            ["Gilmour__Dispatcher__ReconcileSeconds"] = "1",
        });
        await using var node = await TestNode.StartAsync();
        await using var peer = await TestNode.StartAsync();
        var id = await harness.Control.RegisterNodeAsync(node.Port,
            """{"services":[{"topic":"flap.echo","group":"g","path":"/echo","timeout":5}],"slots":[{"topic":"flap.events","path":"/events"}]}""");
        var peerId = await harness.Control.RegisterNodeAsync(peer.Port);
        await using var redis = await harness.Redis.ConnectAsync();

        var probesBefore = node.HealthProbes;
        for (var flap = 0; flap < Flaps; flap++)
        {
            node.HealthStatus = flap % 2 == 0 ? 500 : 200;
            // Each state lasts about one probe interval, sometimes less: probes see some flips and miss others.
            await Task.Delay(TimeSpan.FromMilliseconds(flap % 3 == 0 ? 330 : 120));
        }
        output.WriteLine($"{node.HealthProbes - probesBefore} probes during {Flaps} flaps");

        // Whatever the races left in the registry and the dispatcher, a monitor must bring it in line with the node's
        // health. It is one with HealthProxy's settings: a probe timeout of 0.29 s is missed now and then on a loaded
        // machine, while one near a two-second interval, missed three times in a row, takes a stall of several seconds,
        // and a node that is healthy must stay ok through every check below. The flapping one is killed mid-stride.
        await harness.Service(ProxyHarness.HealthMonitor).KillAsync();
        var settings = new Dictionary<string, string>(harness.Settings);
        foreach (var (key, value) in HealthProxy.Settings) settings[key] = value;
        var settling = await ServiceProcess.StartAsync(ProxyHarness.HealthMonitor, harness.Redis.ConnectionString, settings);
        lock (harness.Services) harness.Services.Add(settling);

        node.HealthStatus = 500;
        await WaitForAsync(harness, node, id, "unavailable", redis, expectedSubscribers: 0);
        node.HealthStatus = 200;
        await WaitForAsync(harness, node, id, "ok", redis, expectedSubscribers: 1);

        var answer = await harness.Control.PostAsync($"/request/{peerId}", """{"topic":"flap.echo","message":"steady","timeout":5}""");
        Assert.Equal(200, answer.Code);
        Assert.Equal("steady", answer.Body.GetProperty("messages")[0].GetProperty("data").GetString());
    }

    /// <summary>The status and PUBSUB NUMSUB of both the service and the slot channel agree, and stay so.</summary>
    private static async Task WaitForAsync(ProxyHarness harness, TestNode node, string id, string status, ConnectionMultiplexer redis, int expectedSubscribers)
    {
        async Task<bool> AgreesAsync() =>
            (await harness.Control.GetAnswerAsync($"/nodes/{id}")).Body.GetProperty("status").GetString() == status
            && await BusListeners.CountAsync(redis, "gilmour.request.flap.echo") == expectedSubscribers
            && await BusListeners.CountAsync(redis, "gilmour.slot.flap.events") == expectedSubscribers;

        await Eventually.HoldsAsync(AgreesAsync, TimeSpan.FromSeconds(60), () => $"node never settled at {status}\n{harness.Logs}");
        // Settled, not passing through: still so after each of several more probe rounds.
        for (var check = 0; check < 4; check++)
        {
            var probes = node.HealthProbes;
            await Eventually.HoldsAsync(() => node.HealthProbes > probes, TimeSpan.FromSeconds(30), () => $"the node is probed no more\n{harness.Logs}");
            Assert.True(await AgreesAsync(), $"node left {status} with its health unchanged\n{harness.Logs}");
        }
    }
}
