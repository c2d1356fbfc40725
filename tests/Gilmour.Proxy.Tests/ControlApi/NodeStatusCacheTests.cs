using System.Globalization;
using System.Text.Json;
using Gilmour.Json;
using System.Text.RegularExpressions;
using Gilmour.ControlApi.Messaging;
using Gilmour.Registry;
using Gilmour.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>
/// The publishers' registrations held in memory, on a real Redis and a clock that moves only when the test moves it:
/// what an announcement and what the freshness period each do is then told apart by the code's decisions, not by time.
/// </summary>
public sealed partial class NodeStatusCacheTests : IAsyncLifetime
{
    // How long a read may wait for a Redis primary: this test's Redis is a lone primary, so it never waits.
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    private readonly RedisServer _server = new();
    private readonly ManualClock _clock = new();
    private ConnectionMultiplexer _redis = null!;
    private NodeRegistry _registry = null!;
    private NodeStatusCache _cache = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _redis = await _server.ConnectAsync();
        _registry = new NodeRegistry(_redis);
        _cache = new NodeStatusCache(_registry, new RegistryChanges(_redis, NullLogger<RegistryChanges>.Instance), _redis, _clock);
        await _cache.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _cache.DisposeAsync();
        await _redis.DisposeAsync();
        await _server.StopAsync();
    }

    [Fact]
    public async Task A_registration_is_read_once_per_freshness_period_however_often_it_is_asked_for()
    {
        var id = await RegisterAsync();
        var before = await ReadsAsync();

        for (var i = 0; i < 100; i++) Assert.Equal(NodeStatus.Ok, (await _cache.GetAsync(id, Wait))!.Status);
        Assert.Equal(before + 1, await ReadsAsync());

        _clock.Advance(NodeStatusCache.Freshness);
        for (var i = 0; i < 100; i++) Assert.Equal(NodeStatus.Ok, (await _cache.GetAsync(id, Wait))!.Status);
        Assert.Equal(before + 2, await ReadsAsync());
    }

    [Fact]
    public async Task An_announced_write_is_seen_without_the_freshness_period_passing()
    {
        var id = await RegisterAsync();
        Assert.Equal(NodeStatus.Ok, (await _cache.GetAsync(id, Wait))!.Status);

        // Announced like every registry write; the HealthMonitor writes a failed probe this way. The clock stands
        // still, so only the announcement can make the cache read the registry again.
        await _registry.UpdateAsync(id, node => node with { Status = NodeStatus.Unavailable });

        await Eventually.HoldsAsync(async () => (await _cache.GetAsync(id, Wait))?.Status == NodeStatus.Unavailable, TimeSpan.FromSeconds(30),
            () => "the cached status outlived the announcement");
    }

    [Fact]
    public async Task A_write_nobody_announced_is_seen_once_the_freshness_period_passes_and_not_before()
    {
        var id = await RegisterAsync();
        Assert.Equal(NodeStatus.Ok, (await _cache.GetAsync(id, Wait))!.Status);
        var db = _redis.GetDatabase();
        var stored = (string)(await db.StringGetAsync(RegistryKeys.Node(id)))!;

        // As if the announcement had been lost: the registration changes in Redis and nobody says so.
        await db.StringSetAsync(RegistryKeys.Node(id), stored.Replace("\"status\":\"ok\"", "\"status\":\"dirty\"", StringComparison.Ordinal));

        _clock.Advance(NodeStatusCache.Freshness - TimeSpan.FromTicks(1));
        Assert.Equal(NodeStatus.Ok, (await _cache.GetAsync(id, Wait))!.Status);
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(NodeStatus.Dirty, (await _cache.GetAsync(id, Wait))!.Status);
    }

    /// <summary>
    /// A registration written without its announcement: one that would reach the cache later, at no moment the test
    /// knows, could drop the entry in the middle of a count.
    /// </summary>
    private async Task<string> RegisterAsync()
    {
        var id = Guid.NewGuid().ToString();
        var node = new Node(id, "127.0.0.1", FreePort.Next(), "/health", NodeStatus.Ok, [], [], "ident-" + id, 1, DateTimeOffset.UtcNow, null);
        var db = _redis.GetDatabase();
        await db.StringSetAsync(RegistryKeys.Node(id), JsonSerializer.SerializeToUtf8Bytes(node, GilmourJson.Default.Node));
        await db.SetAddAsync(RegistryKeys.NodeIndex, id);
        return id;
    }

    /// <summary>GET commands Redis has run so far (INFO commandstats): each is one read of a registration.</summary>
    private async Task<long> ReadsAsync()
    {
        var info = (string)(await _redis.GetServers()[0].ExecuteAsync("INFO", "commandstats"))!;
        return long.Parse(GetCalls().Match(info).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"cmdstat_get:calls=(\d+)")]
    private static partial Regex GetCalls();
}
