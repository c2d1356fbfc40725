using System.Collections.Concurrent;
using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Registry;

public sealed class RegistryChangesTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly RedisServer _server = new();
    private ConnectionMultiplexer _writer = null!;
    private ConnectionMultiplexer _listener = null!;

    public async Task InitializeAsync()
    {
        await _server.StartAsync();
        _writer = await _server.ConnectAsync();
        _listener = await _server.ConnectAsync();
    }

    public async Task DisposeAsync()
    {
        await _writer.DisposeAsync();
        await _listener.DisposeAsync();
        await _server.StopAsync();
    }

    [Fact]
    public async Task Every_committed_write_is_announced_with_its_revision_and_nothing_else_is()
    {
        var seen = new ConcurrentQueue<RegistryChange>();
        await using var subscription = await new RegistryChanges(_listener).SubscribeAsync(seen.Enqueue);
        var registry = new NodeRegistry(_writer);
        var node = SampleNodes.New();

        await registry.AddAsync(node);
        await registry.AddAsync(node);                                          // refused: no announcement
        await registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Unavailable });
        await registry.UpdateAsync(node.Id, _ => null);                          // no-op: no announcement
        await registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Ok });
        await registry.RemoveAsync(node.Id);
        await registry.RemoveAsync(node.Id);                                     // unknown: no announcement

        // One channel, one publishing connection: announcements arrive in commit order, so once the removal is
        // here anything announced before it is too.
        await Eventually.HoldsAsync(() => seen.Any(c => c.Kind == RegistryChange.Removed), Limit);
        Assert.Equal(
            [new RegistryChange(node.Id, "added", 1), new RegistryChange(node.Id, "changed", 2),
             new RegistryChange(node.Id, "changed", 3), new RegistryChange(node.Id, "removed", 3)],
            seen);
    }

    [Fact]
    public async Task Announced_change_is_already_readable()
    {
        var registry = new NodeRegistry(_writer);
        var reader = new NodeRegistry(_listener);
        var readBack = new ConcurrentQueue<(RegistryChange, long?)>();
        await using var subscription = await new RegistryChanges(_listener).SubscribeAsync(async change =>
            readBack.Enqueue((change, (await reader.GetAsync(change.Id))?.Revision)));
        var node = SampleNodes.New();

        await registry.AddAsync(node);
        await registry.UpdateAsync(node.Id, n => n with { Port = 1234 });

        await Eventually.HoldsAsync(() => readBack.Count == 2, Limit);
        Assert.All(readBack, r => Assert.True(r.Item2 >= r.Item1.Revision, $"read revision {r.Item2} for announced {r.Item1}"));
    }

    [Fact]
    public async Task Failing_callback_and_malformed_announcement_do_not_stop_later_announcements()
    {
        var seen = new ConcurrentQueue<string>();
        await using var subscription = await new RegistryChanges(_listener).SubscribeAsync(change =>
        {
            seen.Enqueue(change.Id);
            if (change.Id == "first") throw new InvalidOperationException("a subscriber's bug");
        });
        var subscriber = _writer.GetSubscriber();
        var channel = RedisChannel.Literal(RegistryKeys.ChangesChannel);

        await subscriber.PublishAsync(channel, """{"id":"first","kind":"changed","revision":2}""");
        await subscriber.PublishAsync(channel, "not json at all");
        await subscriber.PublishAsync(channel, """{"kind":"changed"}""");
        await subscriber.PublishAsync(channel, """{"id":"second","kind":"changed","revision":5}""");

        await Eventually.HoldsAsync(() => seen.Contains("second"), Limit);
        Assert.Equal(["first", "second"], seen);
    }

    [Fact]
    public async Task Disposed_subscription_gets_no_more_announcements()
    {
        var seen = new ConcurrentQueue<RegistryChange>();
        var subscription = await new RegistryChanges(_listener).SubscribeAsync(seen.Enqueue);
        var stillListening = new ConcurrentQueue<RegistryChange>();
        await using var other = await new RegistryChanges(_listener).SubscribeAsync(stillListening.Enqueue);
        var registry = new NodeRegistry(_writer);
        var node = SampleNodes.New();
        await registry.AddAsync(node);
        await Eventually.HoldsAsync(() => seen.Count == 1 && stillListening.Count == 1, Limit);

        await subscription.DisposeAsync();
        await registry.RemoveAsync(node.Id);

        // The other subscription on the same connection still hears it, so the first one had its chance.
        await Eventually.HoldsAsync(() => stillListening.Count == 2, Limit);
        Assert.Single(seen);
    }
}
