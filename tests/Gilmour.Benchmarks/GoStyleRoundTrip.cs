using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>
/// The Go library's way (gilmour-e-go v5): per request PUBSUB NUMSUB, SUBSCRIBE gilmour.response.&lt;uuid&gt; on the
/// shared pub/sub connection, PUBLISH, wait for the reply, UNSUBSCRIBE. Baseline (b) sends the commands on a
/// multiplexer (<see cref="MultiplexedCommands"/>); (b') sends each on a pooled connection of its own as redigo does
/// (<see cref="RedigoPool"/>, gilmour-e-go backends/redis.go), without the pipelining of concurrent requests'
/// commands that makes (b) faster than Go.
/// </summary>
/// <remarks>
/// StackExchange.Redis keeps subscriptions on a connection of their own beside the commands', which is Go's
/// dedicated pub/sub connection beside its command pool.
/// </remarks>
public sealed class GoStyleRoundTrip(string name, ICommandConnections commands, IConnectionMultiplexer pubsub, string topic, Payload payload)
    : IRoundTrip
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ISubscriber _subscriber = pubsub.GetSubscriber();
    private readonly string _channel = Channels.Request(topic);

    public string Name => name;

    public async Task<bool> SendAsync(CancellationToken cancellationToken)
    {
        var numsub = (RedisResult[])(await commands.DoAsync(db => db.ExecuteAsync("PUBSUB", "NUMSUB", _channel)))!;
        if ((long)numsub[1] == 0) return false;

        var sender = Guid.NewGuid().ToString();
        var replies = RedisChannel.Literal(Channels.Response(sender));
        var reply = new TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _subscriber.SubscribeAsync(replies, (_, value) => reply.TrySetResult(value));
        try
        {
            var message = MessageCodec.Encode(new Message(payload.Data, Codes.Ok, sender));
            await commands.DoAsync(db => db.PublishAsync(RedisChannel.Literal(_channel), message));
            var answer = await reply.Task.WaitAsync(Timeout, cancellationToken);
            return MessageCodec.Decode((ReadOnlyMemory<byte>)answer).Code == Codes.Ok;
        }
        finally
        {
            await _subscriber.UnsubscribeAsync(replies);
        }
    }
}
