using System.Collections.Concurrent;
using Gilmour.Registry;
using Gilmour.Streaming;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Streaming;

/// <summary>The race between a stream delivery's reply, its timeout and its stream's end, decided in Redis.</summary>
public sealed class StreamDeliveriesTests : IAsyncLifetime
{
    private const string Node = "node-1";
    private const string Replies = "gilmour.proxy.replies.test";
    private readonly RedisServer _server = new();
    private ConnectionMultiplexer _redis = null!;
    private StreamDeliveries _deliveries = null!;
    private readonly ConcurrentQueue<string> _handedOver = new();
    private readonly ConcurrentQueue<string> _streamed = new();

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _redis = await _server.ConnectAsync();
        _deliveries = new StreamDeliveries(_redis);
        await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Replies), (_, m) => _handedOver.Enqueue(m!));
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.StopAsync();
    }

    private Task OpenStreamAsync() =>
        _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RegistryKeys.StreamChannel(Node)), (_, m) => _streamed.Enqueue(m!));

    private Task<long> StartAsync(string id) => _deliveries.StartAsync(id, Node, Replies, TimeSpan.FromMinutes(1), "R x\nevent: request\n\n"u8.ToArray());

    [Fact]
    public async Task Without_an_open_stream_nothing_is_published_or_recorded()
    {
        var id = StreamDeliveries.NewId();

        Assert.Equal(0, await StartAsync(id));
        Assert.False(await _redis.GetDatabase().KeyExistsAsync(RegistryKeys.StreamDelivery(id)));
        Assert.Equal(0, await _deliveries.SignalAsync(Node, "S x\nevent: signal\n\n"u8.ToArray()));
    }

    [Fact]
    public async Task The_nodes_reply_is_handed_over_once_and_then_the_delivery_is_gone()
    {
        await OpenStreamAsync();
        var id = StreamDeliveries.NewId();
        Assert.Equal(1, await StartAsync(id));
        await Eventually.HoldsAsync(() => _streamed.Count == 1, TimeSpan.FromSeconds(30));

        Assert.Equal(ReplyOutcome.Unknown, await _deliveries.AnswerAsync(id, "another-node", "{}"u8.ToArray()));
        Assert.Equal(ReplyOutcome.Delivered, await _deliveries.AnswerAsync(id, Node, """{"id":"x"}"""u8.ToArray()));
        Assert.Equal(ReplyOutcome.Unknown, await _deliveries.AnswerAsync(id, Node, "{}"u8.ToArray()));
        Assert.False(await _deliveries.EndAsync(id, ReplyOutcome.TimedOut), "the end won over a reply that came first");
        await Eventually.HoldsAsync(() => _handedOver.Count == 1, TimeSpan.FromSeconds(30));
        Assert.Equal("""{"id":"x"}""", Assert.Single(_handedOver));
    }

    [Theory]
    [InlineData(ReplyOutcome.TimedOut)]
    [InlineData(ReplyOutcome.StreamClosed)]
    public async Task A_reply_after_the_end_is_told_how_it_ended_and_handed_over_to_nobody(ReplyOutcome end)
    {
        await OpenStreamAsync();
        var id = StreamDeliveries.NewId();
        Assert.Equal(1, await StartAsync(id));

        Assert.True(await _deliveries.EndAsync(id, end));
        Assert.False(await _deliveries.EndAsync(id, end), "a delivery ends once");

        Assert.Equal(end, await _deliveries.AnswerAsync(id, Node, "{}"u8.ToArray()));
        Assert.Equal(ReplyOutcome.Unknown, await _deliveries.AnswerAsync(id, "another-node", "{}"u8.ToArray()));
        var ttl = await _redis.GetDatabase().KeyTimeToLiveAsync(RegistryKeys.StreamDelivery(id));
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), StreamDeliveries.LateReplyWindow);
        Assert.Empty(_handedOver);
    }

    [Fact]
    public void Delivery_ids_are_32_lowercase_hex_digits()
    {
        Assert.True(StreamDeliveries.IsWellFormed(StreamDeliveries.NewId()));
        Assert.False(StreamDeliveries.IsWellFormed(StreamDeliveries.NewId().ToUpperInvariant()));
        Assert.False(StreamDeliveries.IsWellFormed(StreamDeliveries.NewId()[..31]));
        Assert.False(StreamDeliveries.IsWellFormed(null));
        Assert.NotEqual(StreamDeliveries.NewId(), StreamDeliveries.NewId());
    }
}
