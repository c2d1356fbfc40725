using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>
/// Baseline (b'), the Go library's way with the Go library's connection use (gilmour-e-go backends/redis.go):
/// PUBSUB NUMSUB and PUBLISH each on a pooled connection taken for that one command (redigo), SUBSCRIBE and
/// UNSUBSCRIBE of gilmour.response.&lt;uuid&gt; on the one shared pub/sub connection. The same steps as (b), without
/// the multiplexer's pipelining of concurrent requests' commands that makes (b) faster than Go.
/// </summary>
public sealed class GoPooledRoundTrip(RedigoPool pool, IConnectionMultiplexer pubsub, string topic, Payload payload) : IRoundTrip
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly ISubscriber _subscriber = pubsub.GetSubscriber();
    private readonly string _channel = Channels.Request(topic);

    public string Name => "go-pooled (b')";

    public async Task<bool> SendAsync(CancellationToken cancellationToken)
    {
        var numsub = (RedisResult[])(await pool.DoAsync(db => db.ExecuteAsync("PUBSUB", "NUMSUB", _channel)))!;
        if ((long)numsub[1] == 0) return false;

        var sender = Guid.NewGuid().ToString();
        var replies = RedisChannel.Literal(Channels.Response(sender));
        var reply = new TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _subscriber.SubscribeAsync(replies, (_, value) => reply.TrySetResult(value));
        try
        {
            var message = MessageCodec.Encode(new Message(payload.Data, Codes.Ok, sender));
            await pool.DoAsync(db => db.PublishAsync(RedisChannel.Literal(_channel), message));
            var answer = await reply.Task.WaitAsync(Timeout, cancellationToken);
            return MessageCodec.Decode(((ReadOnlyMemory<byte>)answer).Span).Code == Codes.Ok;
        }
        finally
        {
            await _subscriber.UnsubscribeAsync(replies);
        }
    }
}
