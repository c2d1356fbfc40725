using System.Collections.Concurrent;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Streaming;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// This dispatcher's end of its stream deliveries' replies: one channel of its own
/// (<see cref="RegistryKeys.StreamReplies"/>), subscribed for the life of the process, on which whichever ControlApi
/// replica took a node's reply hands it over; and the deliveries waiting for one.
/// </summary>
public sealed class StreamReplies(IConnectionMultiplexer redis) : IAsyncDisposable
{
    private readonly ISubscriber _subscriber = redis.GetSubscriber();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Reply>> _pending = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private Action<RedisChannel, RedisValue>? _onReply;
    private Task? _subscribed;

    /// <summary>Random per process: a restarted dispatcher must not receive the replies its predecessor waited for.</summary>
    public string Channel { get; } = RegistryKeys.StreamReplies(StreamDeliveries.NewId());

    /// <summary>Subscribes the channel (idempotent; a failed attempt is tried again by the next caller).</summary>
    public Task StartAsync()
    {
        lock (_gate)
        {
            if (_subscribed is null || _subscribed.IsFaulted || _subscribed.IsCanceled)
            {
                _onReply = OnReply;
                _subscribed = _subscriber.SubscribeAsync(RedisChannel.Literal(Channel), _onReply);
            }
            return _subscribed;
        }
    }

    /// <summary>The reply of <paramref name="deliveryId"/> once it arrives; pair with <see cref="Forget"/>.</summary>
    public Task<Reply> Expect(string deliveryId)
    {
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[deliveryId] = reply;
        return reply.Task;
    }

    public void Forget(string deliveryId) => _pending.TryRemove(deliveryId, out _);

    public async ValueTask DisposeAsync()
    {
        Task? subscribed;
        lock (_gate) subscribed = _subscribed;
        if (subscribed is { IsCompletedSuccessfully: true } && _onReply is { } handler)
        {
            try
            {
                await _subscriber.UnsubscribeAsync(RedisChannel.Literal(Channel), handler);
            }
            catch (RedisException)
            {
                // The subscription went with the connection.
            }
        }
    }

    // On StackExchange.Redis's delivery path: a decode and a lookup, never a wait.
    private void OnReply(RedisChannel channel, RedisValue payload)
    {
        if (!ReplyEnvelope.TryDecode((ReadOnlyMemory<byte>)payload, out var deliveryId, out var reply)) return;
        if (_pending.TryRemove(deliveryId, out var waiting)) waiting.TrySetResult(reply);
    }
}
