using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>
/// Baseline (b), the Go library's way (gilmour-e-go v5): per request PUBSUB NUMSUB, SUBSCRIBE
/// gilmour.response.&lt;uuid&gt; on the subscriber connection, PUBLISH, wait for the reply, UNSUBSCRIBE.
/// </summary>
/// <remarks>
/// StackExchange.Redis keeps subscriptions on a connection of their own and commands on another, which is Go's
/// dedicated pub/sub connection beside its command pool. Its pipelining makes this, if anything, faster than Go.
/// </remarks>
public sealed class GoStyleRoundTrip(IConnectionMultiplexer redis, string topic, Payload payload) : IRoundTrip
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly IDatabase _database = redis.GetDatabase();
    private readonly ISubscriber _subscriber = redis.GetSubscriber();
    private readonly string _channel = Channels.Request(topic);

    public string Name => "go-style (b)";

    public async Task<bool> SendAsync(CancellationToken cancellationToken)
    {
        var numsub = (RedisResult[])(await _database.ExecuteAsync("PUBSUB", "NUMSUB", _channel))!;
        if ((long)numsub[1] == 0) return false;

        var sender = Guid.NewGuid().ToString();
        var replies = RedisChannel.Literal(Channels.Response(sender));
        var reply = new TaskCompletionSource<RedisValue>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _subscriber.SubscribeAsync(replies, (_, value) => reply.TrySetResult(value));
        try
        {
            await _database.PublishAsync(RedisChannel.Literal(_channel),
                MessageCodec.Encode(new Message(payload.Data, Codes.Ok, sender)));
            var answer = await reply.Task.WaitAsync(Timeout, cancellationToken);
            return MessageCodec.Decode(((ReadOnlyMemory<byte>)answer).Span).Code == Codes.Ok;
        }
        finally
        {
            await _subscriber.UnsubscribeAsync(replies);
        }
    }
}
