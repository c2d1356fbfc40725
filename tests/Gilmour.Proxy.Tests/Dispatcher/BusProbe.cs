using System.Text.Json;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>
/// A test's own connection to the proxy's Redis: what the bus shows (PUBSUB NUMSUB), what the registry holds, and
/// a native Gilmour requester, the kind of peer a Go or Ruby program is.
/// </summary>
public sealed class BusProbe : IAsyncDisposable
{
    private BusProbe(ConnectionMultiplexer redis)
    {
        Redis = redis;
        Registry = new NodeRegistry(redis);
        Requester = new Requester(redis);
    }

    public ConnectionMultiplexer Redis { get; }

    public NodeRegistry Registry { get; }

    public Requester Requester { get; }

    public static async Task<BusProbe> ConnectAsync(RedisServer redis) => new(await redis.ConnectAsync());

    /// <summary>PUBSUB NUMSUB of a channel: how many connections hold a plain subscription to it.</summary>
    public Task<long> ListenersAsync(string channel) => BusListeners.CountAsync(Redis, channel);

    /// <summary>Waits until PUBSUB NUMSUB of <paramref name="channel"/> is <paramref name="expected"/>.</summary>
    public Task ListenersBecomeAsync(string channel, long expected, TimeSpan? limit = null, Func<string>? logs = null)
    {
        long seen = -1;
        return Eventually.HoldsAsync(async () => (seen = await ListenersAsync(channel)) == expected, limit ?? TimeSpan.FromSeconds(30),
            () => $"PUBSUB NUMSUB {channel} is {seen}, expected {expected}\n{logs?.Invoke()}");
    }

    public async Task<NodeStatus?> StatusAsync(string id) => (await Registry.GetAsync(id))?.Status;

    /// <summary>Waits until the registry holds node <paramref name="id"/> with <paramref name="expected"/> status.</summary>
    public Task StatusBecomesAsync(string id, NodeStatus expected, TimeSpan? limit = null, Func<string>? logs = null)
    {
        NodeStatus? seen = null;
        return Eventually.HoldsAsync(async () => (seen = await StatusAsync(id)) == expected, limit ?? TimeSpan.FromSeconds(30),
            () => $"node {id} is {seen?.ToWire() ?? "gone"}, expected {expected.ToWire()}\n{logs?.Invoke()}");
    }

    public Task<Reply> RequestAsync(string topic, string json, TimeSpan? timeout = null) =>
        Requester.RequestAsync(topic, Json(json), timeout ?? TimeSpan.FromSeconds(10));

    public Task<string> SignalAsync(string topic, string json) => Requester.SignalAsync(topic, Json(json));

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        await Requester.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
