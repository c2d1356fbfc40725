using System.Collections.Concurrent;
using System.Text.Json;
using Gilmour.Core.Tests.Support;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;

namespace Gilmour.Core.Tests.Responding;

public sealed class SlotTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Wildcard_slot_receives_the_concrete_topic_not_the_pattern()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var seen = new ConcurrentQueue<IncomingMessage>();
        await responder.SlotAsync("user.*", null, (message, _) =>
        {
            seen.Enqueue(message);
            return Task.CompletedTask;
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        await requester.SignalAsync("user.created", JsonText.Element("1"));
        await requester.SignalAsync("user.deleted.soft", JsonText.Element("2"));
        await requester.SignalAsync("order.created", JsonText.Element("3"));
        await Eventually.HoldsAsync(() => seen.Count == 2, Generous);

        Assert.Equal(["user.created", "user.deleted.soft"], seen.Select(m => m.Topic).Order());
        Assert.Equal(["gilmour.slot.user.created", "gilmour.slot.user.deleted.soft"], seen.Select(m => m.Channel).Order());
        Assert.Equal(["gilmour.slot.user.*"], responder.Topics);
        var admin = await bus.RawAsync();
        Assert.Equal(1L, await admin.CommandAsync("PUBSUB", "NUMPAT"));
    }

    [Fact]
    public async Task Wildcard_anywhere_in_the_topic_is_a_pattern()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var topics = new ConcurrentQueue<string>();
        await responder.SlotAsync("*.created", null, (message, _) =>
        {
            topics.Enqueue(message.Topic);
            return Task.CompletedTask;
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        await requester.SignalAsync("invoice.created", JsonText.Element("1"));

        await Eventually.HoldsAsync(() => topics.Count == 1, Generous);
        Assert.Equal("invoice.created", Assert.Single(topics));
    }

    [Fact]
    public async Task Slot_group_lets_one_member_run_while_ungrouped_slots_all_run()
    {
        await using var bus = await Bus.StartAsync();
        var grouped = new ConcurrentDictionary<string, int>();
        var ungrouped = new ConcurrentDictionary<string, int>();
        var responders = new List<Responder>();
        for (var i = 0; i < 3; i++)
        {
            var responder = new Responder(await bus.ConnectAsync());
            responders.Add(responder);
            await responder.SlotAsync("audit", "auditors", Count(grouped), Generous);
            await responder.SlotAsync("audit", null, Count(ungrouped), Generous);
        }
        await using var requester = new Requester(await bus.ConnectAsync());

        const int Signals = 100;
        var senders = await Task.WhenAll(Enumerable.Range(0, Signals).Select(n => requester.SignalAsync("audit", JsonSerializer.SerializeToElement(n))));
        await Eventually.HoldsAsync(() => ungrouped.Values.Sum() == 3 * Signals && grouped.Count == Signals, Generous,
            () => $"grouped {grouped.Count}, ungrouped {ungrouped.Values.Sum()}");

        Assert.Equal(senders.Order(), grouped.Keys.Order());
        Assert.All(grouped, pair => Assert.Equal(1, pair.Value));
        Assert.All(ungrouped, pair => Assert.Equal(3, pair.Value));
        foreach (var responder in responders) await responder.DisposeAsync();

        static SlotHandler Count(ConcurrentDictionary<string, int> counts) => (message, _) =>
        {
            counts.AddOrUpdate(message.Message.Sender, 1, (_, count) => count + 1);
            return Task.CompletedTask;
        };
    }

    [Fact]
    public async Task Slow_slots_run_concurrently()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        const int Signals = 10;
        var running = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = 0;
        await responder.SlotAsync("slow", null, async (_, timeout) =>
        {
            Interlocked.Increment(ref running);
            await release.Task.WaitAsync(timeout);
            Interlocked.Increment(ref finished);
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        for (var i = 0; i < Signals; i++) await requester.SignalAsync("slow", JsonText.Element("1"));
        await Eventually.HoldsAsync(() => Volatile.Read(ref running) == Signals, Generous, () => $"{running} running");
        release.SetResult();

        await Eventually.HoldsAsync(() => Volatile.Read(ref finished) == Signals, Generous);
    }

    [Fact]
    public async Task Disposed_slot_stops_receiving_and_its_channel_goes_with_the_last_handler()
    {
        await using var bus = await Bus.StartAsync();
        var shared = await bus.ConnectAsync();
        await using var first = new Responder(shared);
        await using var second = new Responder(shared);
        var counts = new int[2];
        var one = await first.SlotAsync("shared", null, (_, _) => Task.FromResult(Interlocked.Increment(ref counts[0])), Generous);
        var two = await second.SlotAsync("shared", null, (_, _) => Task.FromResult(Interlocked.Increment(ref counts[1])), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());
        var admin = await bus.RawAsync();

        await requester.SignalAsync("shared", JsonText.Element("1"));
        await Eventually.HoldsAsync(() => counts[0] == 1 && counts[1] == 1, Generous);

        await one.DisposeAsync();
        Assert.Equal(1L, await admin.NumSubAsync("gilmour.slot.shared"));
        await requester.SignalAsync("shared", JsonText.Element("2"));
        await Eventually.HoldsAsync(() => counts[1] == 2, Generous);
        Assert.Equal(1, counts[0]);

        await two.DisposeAsync();
        Assert.Equal(0L, await admin.NumSubAsync("gilmour.slot.shared"));
    }

    [Fact]
    public async Task Slot_refuses_an_empty_topic_or_a_timeout_that_is_not_positive()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());

        await Assert.ThrowsAnyAsync<ArgumentException>(() => responder.SlotAsync("", null, (_, _) => Task.CompletedTask, Generous));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => responder.SlotAsync("t", null, (_, _) => Task.CompletedTask, TimeSpan.Zero));
        Assert.Empty(responder.Topics);
    }

    [Fact]
    public async Task Slot_with_a_blank_group_is_ungrouped_as_in_go()
    {
        await using var bus = await Bus.StartAsync();
        var runs = 0;
        var responders = new List<Responder>();
        for (var i = 0; i < 2; i++)
        {
            var responder = new Responder(await bus.ConnectAsync());
            responders.Add(responder);
            await responder.SlotAsync("blank", "", (_, _) => Task.FromResult(Interlocked.Increment(ref runs)), Generous);
        }
        await using var requester = new Requester(await bus.ConnectAsync());

        var sender = await requester.SignalAsync("blank", JsonText.Element("1"));

        await Eventually.HoldsAsync(() => Volatile.Read(ref runs) == 2, Generous, () => $"{runs} runs");
        var admin = await bus.RawAsync();
        Assert.Equal(0L, await admin.CommandAsync("EXISTS", sender));
        foreach (var responder in responders) await responder.DisposeAsync();
    }
}
