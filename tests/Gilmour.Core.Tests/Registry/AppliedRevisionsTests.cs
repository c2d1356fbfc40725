using System.Diagnostics;
using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Registry;

public sealed class AppliedRevisionsTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly RedisServer _server = new();
    private ConnectionMultiplexer _controlApi = null!;
    private ConnectionMultiplexer _dispatcher = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _controlApi = await _server.ConnectAsync();
        _dispatcher = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _controlApi.DisposeAsync();
        await _dispatcher.DisposeAsync();
        await _server.StopAsync();
    }

    [Fact]
    public async Task Wait_succeeds_at_once_for_a_revision_acknowledged_before_the_wait_began()
    {
        await using var waiting = new AppliedRevisions(_controlApi);
        await waiting.StartAsync();
        var dispatcher = new AppliedRevisions(_dispatcher);

        await dispatcher.PublishAsync(new SubscriptionsApplied("node-a", 3, "dispatcher-1"));
        await Eventually.HoldsAsync(() => waiting.HighestApplied("node-a") == 3, Limit);

        // A zero timeout: only the remembered acknowledgement can make these true.
        Assert.True(await waiting.WaitForAsync("node-a", 3, TimeSpan.Zero));
        Assert.True(await waiting.WaitForAsync("node-a", 2, TimeSpan.Zero));
        Assert.False(await waiting.WaitForAsync("node-a", 4, TimeSpan.Zero));
    }

    [Fact]
    public async Task Wait_succeeds_when_the_asked_revision_is_acknowledged_during_the_wait()
    {
        await using var waiting = new AppliedRevisions(_controlApi);
        await waiting.StartAsync();
        var dispatcher = new AppliedRevisions(_dispatcher);

        var wait = waiting.WaitForAsync("node-a", 2, Limit);
        var otherNode = waiting.WaitForAsync("node-b", 1, Limit);
        await dispatcher.PublishAsync(new SubscriptionsApplied("node-a", 1, "dispatcher-1"));
        await Eventually.HoldsAsync(() => waiting.HighestApplied("node-a") == 1, Limit);
        Assert.False(wait.IsCompleted, "revision 1 does not satisfy a wait for revision 2");

        await dispatcher.PublishAsync(new SubscriptionsApplied("node-a", 2, "dispatcher-1"));

        Assert.True(await wait.WaitAsync(Limit));
        Assert.False(otherNode.IsCompleted, "an acknowledgement of node-a does not satisfy a wait for node-b");
    }

    [Fact]
    public async Task Later_revision_satisfies_a_wait_for_an_earlier_one_and_an_older_ack_does_not_lower_it()
    {
        await using var waiting = new AppliedRevisions(_controlApi);
        await waiting.StartAsync();
        var dispatcher = new AppliedRevisions(_dispatcher);

        var wait = waiting.WaitForAsync("node-a", 2, Limit);
        await dispatcher.PublishAsync(new SubscriptionsApplied("node-a", 5, "dispatcher-1"));
        Assert.True(await wait.WaitAsync(Limit));

        await dispatcher.PublishAsync(new SubscriptionsApplied("node-a", 3, "dispatcher-2"));
        await dispatcher.PublishAsync(new SubscriptionsApplied("node-b", 1, "dispatcher-2"));
        await Eventually.HoldsAsync(() => waiting.HighestApplied("node-b") == 1, Limit);
        Assert.Equal(5, waiting.HighestApplied("node-a"));
    }

    [Fact]
    public async Task Wait_answers_false_when_no_acknowledgement_comes_in_time()
    {
        await using var waiting = new AppliedRevisions(_controlApi);
        await waiting.StartAsync();
        var dispatcher = new AppliedRevisions(_dispatcher);
        await dispatcher.PublishAsync(new SubscriptionsApplied("node-a", 1, "dispatcher-1"));
        await Eventually.HoldsAsync(() => waiting.HighestApplied("node-a") == 1, Limit);
        var started = Stopwatch.GetTimestamp();

        var applied = await waiting.WaitForAsync("node-a", 2, TimeSpan.FromMilliseconds(300));

        // A lower bound only: a loaded machine makes the wait longer, never shorter.
        Assert.False(applied);
        Assert.True(Stopwatch.GetElapsedTime(started) >= TimeSpan.FromMilliseconds(250), "it waited for the timeout");
        Assert.Null(waiting.HighestApplied("never-acknowledged"));
    }

    [Fact]
    public async Task Wait_ends_when_its_token_is_cancelled()
    {
        await using var waiting = new AppliedRevisions(_controlApi);
        using var cancel = new CancellationTokenSource();

        var wait = waiting.WaitForAsync("node-a", 1, Limit, cancel.Token);
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Limit));
    }

    [Fact]
    public async Task Malformed_acknowledgements_are_ignored()
    {
        await using var waiting = new AppliedRevisions(_controlApi);
        await waiting.StartAsync();
        var channel = RedisChannel.Literal(RegistryKeys.AppliedChannel);
        var wait = waiting.WaitForAsync("node-a", 1, Limit);

        await _dispatcher.GetSubscriber().PublishAsync(channel, "garbage");
        await _dispatcher.GetSubscriber().PublishAsync(channel, """{"id":"node-a"}""");
        await _dispatcher.GetSubscriber().PublishAsync(channel, """{"id":"node-a","revision":1,"dispatcher":"d"}""");

        Assert.True(await wait.WaitAsync(Limit));
    }

    [Fact]
    public async Task Stopping_one_listener_leaves_another_on_the_same_connection_listening()
    {
        var stopped = new AppliedRevisions(_controlApi);
        await using var kept = new AppliedRevisions(_controlApi);
        await stopped.StartAsync();
        await kept.StartAsync();

        await stopped.StopAsync();
        await new AppliedRevisions(_dispatcher).PublishAsync(new SubscriptionsApplied("node-a", 1, "d"));

        Assert.True(await kept.WaitForAsync("node-a", 1, Limit));
    }

    [Fact]
    public async Task Acknowledgements_are_forgotten_after_the_retention()
    {
        var clock = new ManualClock();
        await using var waiting = new AppliedRevisions(_controlApi, clock, TimeSpan.FromMinutes(1));
        await waiting.StartAsync();
        var dispatcher = new AppliedRevisions(_dispatcher);
        await dispatcher.PublishAsync(new SubscriptionsApplied("old", 1, "d"));
        await Eventually.HoldsAsync(() => waiting.HighestApplied("old") == 1, Limit);

        clock.Advance(TimeSpan.FromSeconds(61));
        await dispatcher.PublishAsync(new SubscriptionsApplied("new", 1, "d"));

        await Eventually.HoldsAsync(() => waiting.HighestApplied("new") == 1, Limit);
        Assert.Null(waiting.HighestApplied("old"));
    }
}
