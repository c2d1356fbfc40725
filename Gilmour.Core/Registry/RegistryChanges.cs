using System.Text.Json;
using Gilmour.Failover;
using Gilmour.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gilmour.Registry;

/// <summary>
/// Listens to the announcements of <see cref="NodeRegistry"/> writes on <see cref="RegistryKeys.ChangesChannel"/>,
/// so a service reacts to a change at once instead of at its next reconciliation.
/// </summary>
/// <remarks>
/// Pub/sub is fire and forget: an announcement sent while this process is disconnected from Redis is lost.
/// The subscription follows the primary across a reconnect or a failover (<see cref="RedisPrimary.Follow"/>), but
/// whoever depends on changes must still reconcile periodically from <see cref="NodeRegistry.ListAsync"/>.
/// </remarks>
public sealed class RegistryChanges(IConnectionMultiplexer redis, ILogger<RegistryChanges>? logger = null)
{
    private static readonly RedisChannel Changes = RedisChannel.Literal(RegistryKeys.ChangesChannel);

    private readonly IConnectionMultiplexer _redis = redis;
    private readonly ILogger _logger = logger ?? NullLogger<RegistryChanges>.Instance;

    /// <summary>
    /// Calls <paramref name="onChange"/> for every announcement, one at a time in the order published (a slow
    /// callback delays the next one: hand long work off). The subscription is live when the returned task
    /// completes; disposing the result ends it. A callback that throws is logged and the next change still comes.
    /// </summary>
    public async Task<IAsyncDisposable> SubscribeAsync(Func<RegistryChange, Task> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        var queue = await _redis.GetSubscriber().SubscribeAsync(Changes, RedisPrimary.Only);
        var primary = RedisPrimary.Of(_redis);
        primary.Follow(Changes);
        queue.OnMessage(async message =>
        {
            if (!TryDecode(message.Message, out var change))
            {
                _logger.LogWarning("Ignored a malformed announcement on {Channel}", RegistryKeys.ChangesChannel);
                return;
            }
            try
            {
                await onChange(change);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Reacting to {Kind} of node {NodeId} revision {Revision} failed", change.Kind, change.Id, change.Revision);
            }
        });
        return new Listening(queue, primary);
    }

    /// <inheritdoc cref="SubscribeAsync(Func{RegistryChange, Task})"/>
    public Task<IAsyncDisposable> SubscribeAsync(Action<RegistryChange> onChange)
    {
        ArgumentNullException.ThrowIfNull(onChange);
        return SubscribeAsync(change =>
        {
            onChange(change);
            return Task.CompletedTask;
        });
    }

    private static bool TryDecode(RedisValue payload, out RegistryChange change)
    {
        change = null!;
        if (payload.IsNullOrEmpty) return false;
        try
        {
            change = JsonSerializer.Deserialize((byte[])payload!, GilmourJson.Default.RegistryChange)!;
        }
        catch (JsonException)
        {
            return false;
        }
        return change is { Id.Length: > 0, Kind.Length: > 0 };
    }

    private sealed class Listening(ChannelMessageQueue queue, RedisPrimary primary) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            primary.Unfollow(Changes);
            await queue.UnsubscribeAsync();
        }
    }
}
