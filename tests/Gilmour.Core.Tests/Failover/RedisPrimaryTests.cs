using System.Diagnostics;
using Gilmour.Core.Tests.Support;
using Gilmour.Failover;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Failover;

/// <summary>
/// Commands while no primary can be reached, on a multiplexer set up as the services set theirs (fail fast, no
/// backlog): they wait for a primary within their own time, and right after a reconnect a request does not take
/// responders that are still re-subscribing for absent.
/// </summary>
public sealed class RedisPrimaryTests
{
    /// <summary>How much earlier than its due time a timer may fire, measured on <see cref="Stopwatch"/>.</summary>
    private static readonly TimeSpan TimerGranularity = TimeSpan.FromMilliseconds(50);

    private static void FailFast(ConfigurationOptions options) => options.BacklogPolicy = BacklogPolicy.FailFast;

    [Fact]
    public async Task A_command_that_found_no_primary_runs_once_Redis_is_back()
    {
        await using var bus = await Bus.StartAsync(FreePort.Next());
        var redis = await bus.ConnectAsync(FailFast);
        await bus.Server.StopAsync();
        await Eventually.HoldsAsync(() => !redis.IsConnected, TimeSpan.FromSeconds(10));

        var write = RedisPrimary.Of(redis).RunAsync(redis.GetDatabase(),
            static database => database.StringSetAsync("k", "v", null, When.Always, RedisPrimary.Only), TimeSpan.FromSeconds(30));
        await Task.Delay(200);
        Assert.False(write.IsCompleted);
        await bus.Server.StartAsync();

        Assert.True(await write);
        Assert.Equal("v", (string?)await redis.GetDatabase().StringGetAsync("k"));
    }

    [Fact]
    public async Task A_command_with_no_primary_within_its_time_fails_with_the_Redis_failure()
    {
        await using var bus = await Bus.StartAsync(FreePort.Next());
        var redis = await bus.ConnectAsync(FailFast);
        await bus.Server.StopAsync();
        await Eventually.HoldsAsync(() => !redis.IsConnected, TimeSpan.FromSeconds(10));
        var primary = RedisPrimary.Of(redis);
        var wait = TimeSpan.FromMilliseconds(300);
        // A command with no deadline of its own, on the same multiplexer: still waiting when the other gives up, so
        // that one ended on its own deadline, not on something the connection did.
        using var stopUnbounded = new CancellationTokenSource();
        var unbounded = primary.RunAsync(redis.GetDatabase(),
            static database => database.StringSetAsync("k", "v", null, When.Always, RedisPrimary.Only), stopUnbounded.Token);

        var clock = Stopwatch.StartNew();
        await Assert.ThrowsAsync<RedisConnectionException>(() => primary.RunAsync(redis.GetDatabase(),
            static database => database.StringSetAsync("k", "v", null, When.Always, RedisPrimary.Only), wait));

        // A lower bound only (a slow machine makes the failure later, never earlier), less what a coarse timer may
        // fire early by.
        Assert.True(clock.Elapsed >= wait - TimerGranularity, $"gave up after {clock.Elapsed}, before its {wait}");
        Assert.False(unbounded.IsCompleted);
        stopUnbounded.Cancel();
        await Assert.ThrowsAsync<RedisConnectionException>(() => unbounded);
    }

    [Fact]
    public async Task Request_right_after_a_reconnect_waits_for_its_responder_to_subscribe_again_instead_of_answering_404()
    {
        await using var bus = await Bus.StartAsync(FreePort.Next());
        var requesterConnection = await bus.ConnectAsync(FailFast);
        // The settle window runs on a clock that stands still until the test moves it: however late the responder
        // comes back on a slow machine, the request is still right after the reconnect.
        var clock = new ManualClock();
        var primary = RedisPrimary.Of(requesterConnection, clock);
        // Added after RedisPrimary's own handler, which therefore has seen the event when this one fires.
        var restored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        requesterConnection.ConnectionRestored += (_, _) => restored.TrySetResult();
        await using var requester = new Requester(requesterConnection);
        await requester.StartAsync();

        // Redis restarts empty: nobody subscribes there until the responder comes back, a little later.
        await bus.Server.StopAsync();
        await bus.Server.StartAsync();
        await restored.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(primary.Settling);
        var admin = await bus.RawAsync();
        var request = requester.RequestAsync("late.echo", JsonText.Element("1"), TimeSpan.FromSeconds(20));
        // Each ask runs PUBSUB NUMSUB once on the server: a second one means the request found nobody listening and
        // is asking again instead of answering 404. Only now does the responder come back.
        await Eventually.HoldsAsync(async () => (await admin.CommandCallsAsync()).GetValueOrDefault("pubsub|numsub") >= 2,
            TimeSpan.FromSeconds(10), () => $"the request did not ask again: {(request.IsCompletedSuccessfully ? $"answered {request.Result.Code}" : request.Status)}");
        // Its reply needs the requester's reply pattern back on the server, which follows the reconnect on its own.
        await Eventually.HoldsAsync(async () => (long)(await admin.CommandAsync("PUBSUB", "NUMPAT"))! == 1, TimeSpan.FromSeconds(10));
        await using var responder = new Responder(await bus.ConnectAsync(FailFast));
        await responder.ReplyAsync("late.echo", "g", (message, _) => Task.FromResult(new Reply(message.Message.Data, Codes.Ok)), TimeSpan.FromSeconds(20));

        var reply = await request;

        Assert.Equal(Codes.Ok, reply.Code);
        // Once the window is over, nobody listening is a 404 again, on the clock the window was read on.
        clock.Advance(RedisPrimary.SettleTime);
        Assert.False(primary.Settling);
        Assert.Equal(Codes.NoSubscriber, (await requester.RequestAsync("absent.echo", JsonText.Element("1"), TimeSpan.FromSeconds(20))).Code);
    }
}
