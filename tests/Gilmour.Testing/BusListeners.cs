using StackExchange.Redis;

namespace Gilmour.Testing;

/// <summary>What the bus shows of who listens: PUBSUB NUMSUB, as a Gilmour requester counts its receivers.</summary>
public static class BusListeners
{
    /// <summary>How many connections hold a plain subscription to <paramref name="channel"/>.</summary>
    public static async Task<long> CountAsync(IConnectionMultiplexer redis, string channel) =>
        await redis.GetServers()[0].SubscriptionSubscriberCountAsync(RedisChannel.Literal(channel));
}
