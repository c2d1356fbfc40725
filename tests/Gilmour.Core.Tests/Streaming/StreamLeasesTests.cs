using System.Collections.Concurrent;
using Gilmour.Registry;
using Gilmour.Streaming;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Streaming;

public sealed class StreamLeasesTests : IAsyncLifetime
{
    private const string Node = "node-1";
    private readonly RedisServer _server = new();
    private ConnectionMultiplexer _redis = null!;
    private StreamLeases _leases = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _redis = await _server.ConnectAsync();
        _leases = new StreamLeases(_redis);
    }

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _server.StopAsync();
    }

    [Fact]
    public async Task The_stream_that_takes_last_holds_the_lease_and_its_takeover_is_announced_last()
    {
        var announced = new ConcurrentQueue<string>();
        // A queue, as the ControlApi reads the channel: messages in the order Redis published them.
        var queue = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RegistryKeys.StreamChannel(Node)));
        queue.OnMessage(message =>
        {
            if (StreamFrame.TryDecode((byte[])message.Message!, out var frame)) announced.Enqueue(frame.Id);
        });

        await _leases.TakeAsync(Node, "first", TimeSpan.FromMinutes(1));
        await _leases.TakeAsync(Node, "second", TimeSpan.FromMinutes(1));

        await Eventually.HoldsAsync(() => announced.Count == 2, TimeSpan.FromSeconds(30));
        Assert.Equal(["first", "second"], announced);
        Assert.Equal(LeaseRenewal.HeldByAnother, await _leases.RenewAsync(Node, "first", TimeSpan.FromMinutes(1)));
        Assert.Equal(LeaseRenewal.Renewed, await _leases.RenewAsync(Node, "second", TimeSpan.FromMinutes(1)));
        Assert.False(await _leases.ReleaseAsync(Node, "first"));
        Assert.Equal(new[] { true, false }, await _leases.HeldAsync([Node, "node-2"]));
        Assert.True(await _leases.ReleaseAsync(Node, "second"));
        Assert.Equal(new[] { false }, await _leases.HeldAsync([Node]));
    }

    [Fact]
    public async Task A_lease_that_lapsed_is_taken_again_by_its_stream_when_nobody_else_took_it()
    {
        await _leases.TakeAsync(Node, "only", TimeSpan.FromMilliseconds(50));
        await Eventually.HoldsAsync(async () => !(await _leases.HeldAsync([Node]))[0], TimeSpan.FromSeconds(30));

        Assert.Equal(LeaseRenewal.Retaken, await _leases.RenewAsync(Node, "only", TimeSpan.FromMinutes(1)));
        Assert.Equal(new[] { true }, await _leases.HeldAsync([Node]));
    }
}
