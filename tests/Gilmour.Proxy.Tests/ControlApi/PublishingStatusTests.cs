using System.Diagnostics;
using System.Net;
using Gilmour.ControlApi.Messaging;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>
/// Publishing checks the publisher's status from memory kept true by the registry's announcements: no registry read
/// per message, yet a node turned unavailable is refused from the next message on.
/// </summary>
public sealed class PublishingStatusTests(ProxyFixture proxy) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task Publishing_reads_the_publishers_registration_about_once_per_freshness_period_not_per_message()
    {
        // The allowance grows with the time the calls took, so a slow machine loosens it instead of failing it.
        var publisher = await RegisterPublisherAsync();
        await using var monitor = await RedisMonitor.StartAsync(proxy.Harness.Redis.Port);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 200; i++)
        {
            var answer = await proxy.Control.PostAsync($"/signal/{publisher}", $$"""{"topic":"cached.status","message":{{i}}}""");
            Assert.Equal(HttpStatusCode.OK, answer.Status);
        }
        var elapsed = clock.Elapsed;

        var reads = monitor.Sent("GET", RegistryKeys.Node(publisher)).Count;
        var allowed = 1 + (int)Math.Ceiling(elapsed / NodeStatusCache.Freshness);
        Assert.True(reads <= allowed, $"{reads} reads of the registration for 200 signals in {elapsed.TotalSeconds:F1} s (at most {allowed})");
    }

    [Fact]
    public async Task A_publisher_turned_unavailable_is_refused_from_the_next_message_on()
    {
        var publisher = await RegisterPublisherAsync();
        Assert.Equal(HttpStatusCode.OK, (await SignalAsync(publisher)).Status);

        // Announced like every registry write; the HealthMonitor writes a failed probe this way.
        await proxy.Registry.UpdateAsync(publisher, node => node with { Status = NodeStatus.Unavailable });
        // That the announcement, not the freshness period, ends the cached status is NodeStatusCacheTests' to show on a
        // clock that stands still; here the ControlApi refuses the publisher once it knows.
        await Eventually.HoldsAsync(async () => (await SignalAsync(publisher)).Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(30), () => "the cached status outlived the announcement");
    }

    [Fact]
    public async Task A_write_nobody_announced_is_seen_once_the_freshness_period_passes()
    {
        var publisher = await RegisterPublisherAsync();
        Assert.Equal(HttpStatusCode.OK, (await SignalAsync(publisher)).Status);
        var db = proxy.Redis.GetDatabase();
        var stored = (string)(await db.StringGetAsync(RegistryKeys.Node(publisher)))!;
        Assert.Contains("\"status\":\"ok\"", stored, StringComparison.Ordinal);

        // As if the announcement had been lost: the registration changes in Redis and nobody says so.
        await db.StringSetAsync(RegistryKeys.Node(publisher), stored.Replace("\"status\":\"ok\"", "\"status\":\"dirty\"", StringComparison.Ordinal));
        // Seen after exactly the freshness period, and not before, is NodeStatusCacheTests' to show on a manual clock.
        await Eventually.HoldsAsync(async () => (await SignalAsync(publisher)).Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(30), () => "the unannounced write was never seen");
    }

    private Task<Answer> SignalAsync(string publisher) =>
        proxy.Control.PostAsync($"/signal/{publisher}", """{"topic":"cached.status","message":1}""");

    private async Task<string> RegisterPublisherAsync()
    {
        var node = await proxy.StartNodeAsync();
        return await proxy.Control.RegisterNodeAsync(node.Port);
    }
}
