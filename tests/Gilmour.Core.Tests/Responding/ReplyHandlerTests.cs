using System.Collections.Concurrent;
using System.Text.Json;
using Gilmour.Core.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;

namespace Gilmour.Core.Tests.Responding;

public sealed class ReplyHandlerTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_responders_in_one_group_on_two_connections_handle_each_request_exactly_once()
    {
        await using var bus = await Bus.StartAsync();
        var handled = new ConcurrentDictionary<string, int>();
        var byResponder = new int[2];
        var responders = new List<Responder>();
        for (var r = 0; r < 2; r++)
        {
            var index = r;
            var responder = new Responder(await bus.ConnectAsync());
            responders.Add(responder);
            await responder.ReplyAsync("work", "workers", (message, _) =>
            {
                handled.AddOrUpdate(message.Message.Sender, 1, (_, count) => count + 1);
                Interlocked.Increment(ref byResponder[index]);
                return Task.FromResult(new Reply(message.Message.Data, 200));
            }, Generous);
        }
        await using var requester = new Requester(await bus.ConnectAsync());

        const int Requests = 1_000;
        var replies = new List<Reply>();
        foreach (var chunk in Enumerable.Range(0, Requests).Chunk(50))
            replies.AddRange(await Task.WhenAll(chunk.Select(n => requester.RequestAsync("work", JsonSerializer.SerializeToElement(n), Generous))));

        Assert.All(replies, reply => Assert.Equal(200, reply.Code));
        Assert.Equal(Enumerable.Range(0, Requests), replies.Select(reply => reply.Data.GetInt32()));
        Assert.Equal(Requests, handled.Count);
        Assert.All(handled, pair => Assert.Equal(1, pair.Value));
        Assert.Equal(Requests, byResponder[0] + byResponder[1]);
        foreach (var responder in responders) await responder.DisposeAsync();
    }

    [Fact]
    public async Task Handler_slower_than_its_timeout_gets_499_and_its_token_fires()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var tokenFired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await responder.ReplyAsync("slow", "g", async (_, timeout) =>
        {
            timeout.Register(() => tokenFired.TrySetResult());
            // Ignores its token on purpose: the reply must not wait for it.
            await Task.Delay(TimeSpan.FromSeconds(20));
            return new Reply(JsonText.Element("\"too late\""), 200);
        }, TimeSpan.FromMilliseconds(200));
        await using var requester = new Requester(await bus.ConnectAsync());

        var reply = await requester.RequestAsync("slow", JsonText.Element("1"), TimeSpan.FromSeconds(10));

        Assert.Equal(499, reply.Code);
        Assert.Equal("Execution timed out", reply.Data.GetString());
        await tokenFired.Task.WaitAsync(Generous);
    }

    [Fact]
    public async Task Handler_that_throws_gets_500_with_the_exception_message()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("broken", "g", (_, _) => throw new InvalidOperationException("database is on fire"), Generous);
        await responder.ReplyAsync("broken.async", "g", async (_, _) =>
        {
            await Task.Yield();
            throw new FormatException("bad input");
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        var reply = await requester.RequestAsync("broken", JsonText.Element("1"), Generous);
        var asyncReply = await requester.RequestAsync("broken.async", JsonText.Element("1"), Generous);

        Assert.Equal((500, "database is on fire"), (reply.Code, reply.Data.GetString()));
        Assert.Equal((500, "bad input"), (asyncReply.Code, asyncReply.Data.GetString()));
    }

    [Fact]
    public async Task Duplicate_topic_and_group_is_refused_but_another_group_is_not()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("dup", "g", Echo, Generous);

        await Assert.ThrowsAsync<InvalidOperationException>(() => responder.ReplyAsync("dup", "g", Echo, Generous));
        await Assert.ThrowsAsync<InvalidOperationException>(() => responder.ReplyAsync("gilmour.request.dup", "g", Echo, Generous));
        await responder.ReplyAsync("dup", "other", Echo, Generous);

        Assert.Equal(["gilmour.request.dup"], responder.Topics);
    }

    [Fact]
    public async Task Duplicate_is_allowed_again_once_the_first_handler_is_disposed()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var first = await responder.ReplyAsync("dup", "g", Echo, Generous);

        await first.DisposeAsync();
        await responder.ReplyAsync("dup", "g", Echo, Generous);

        await using var requester = new Requester(await bus.ConnectAsync());
        Assert.Equal(200, (await requester.RequestAsync("dup", JsonText.Element("1"), Generous)).Code);
    }

    [Theory]
    [InlineData("orders.*", "g")]
    [InlineData("*", "g")]
    [InlineData("a*b", "g")]
    [InlineData("orders", "")]
    [InlineData("orders", "  ")]
    [InlineData("", "g")]
    public async Task Wildcard_topic_or_empty_group_or_topic_is_refused(string topic, string group)
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());

        await Assert.ThrowsAnyAsync<ArgumentException>(() => responder.ReplyAsync(topic, group, Echo, Generous));

        Assert.Empty(responder.Topics);
        var admin = await bus.RawAsync();
        Assert.Empty((object?[])(await admin.CommandAsync("PUBSUB", "CHANNELS", "gilmour.*"))!);
    }

    [Fact]
    public async Task Many_messages_are_handled_concurrently_never_one_behind_another()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        const int Requests = 20;
        var running = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await responder.ReplyAsync("slow", "g", async (message, timeout) =>
        {
            Interlocked.Increment(ref running);
            // Every handler waits until all of them run at once: serialized handling could never get there.
            await release.Task.WaitAsync(timeout);
            return new Reply(message.Message.Data, 200);
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        var replies = Enumerable.Range(0, Requests).Select(n => requester.RequestAsync("slow", JsonSerializer.SerializeToElement(n), Generous)).ToArray();
        await Eventually.HoldsAsync(() => Volatile.Read(ref running) == Requests, Generous, () => $"{running} running");
        release.SetResult();

        Assert.All(await Task.WhenAll(replies), reply => Assert.Equal(200, reply.Code));
    }

    [Fact]
    public async Task Handler_sees_the_topic_without_prefix_the_channel_and_the_message()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var seen = new TaskCompletionSource<IncomingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await responder.ReplyAsync("orders.place", "g", (message, _) =>
        {
            seen.TrySetResult(message);
            return Task.FromResult(new Reply(JsonText.Element("null"), 200));
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        await requester.RequestAsync("orders.place", JsonText.Element("""{"qty":2}"""), Generous, traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var message = await seen.Task;
        Assert.Equal("orders.place", message.Topic);
        Assert.Equal("gilmour.request.orders.place", message.Channel);
        Assert.Equal("""{"qty":2}""", message.Message.Data.GetRawText());
        Assert.Equal(200, message.Message.Code);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", message.Message.Traceparent);
    }

    [Fact]
    public async Task Ruby_style_request_with_null_code_published_before_the_reply_channel_is_subscribed_is_answered()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var seenCode = new TaskCompletionSource<int?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await responder.ReplyAsync("ruby.echo", "g", (message, _) =>
        {
            seenCode.TrySetResult(message.Message.Code);
            return Task.FromResult(new Reply(message.Message.Data, 200));
        }, Generous);
        var ruby = await bus.RawAsync();
        var sender = Guid.NewGuid().ToString("N");

        // Ruby publishes first and subscribes to its reply channel afterwards: the responder's lock round trip
        // is what lets the SUBSCRIBE land before the reply.
        await ruby.SendAsync(
            ["PUBLISH", "gilmour.request.ruby.echo", $$"""{"data":{"from":"ruby"},"code":null,"sender":"{{sender}}"}"""],
            ["SUBSCRIBE", Channels.Response(sender)]);
        Assert.Equal(1L, await ruby.ReadAsync());
        await ruby.ReadAsync();
        var (channel, payload) = await ruby.NextMessageAsync();

        Assert.Equal(Channels.Response(sender), channel);
        Assert.Equal($$"""{"data":{"from":"ruby"},"code":200,"sender":"gilmour.response.{{sender}}"}""", JsonText.FromUtf8(payload));
        Assert.Null(await seenCode.Task);
    }

    [Fact]
    public async Task Go_style_request_with_code_200_and_uuid_sender_is_answered()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("go.echo", "_default", Echo, Generous);
        var go = await bus.RawAsync();
        var publisher = await bus.RawAsync();
        var sender = Guid.NewGuid().ToString();

        await go.SubscribeAsync(Channels.Response(sender));
        Assert.Equal(1L, await publisher.CommandAsync("PUBLISH", "gilmour.request.go.echo", $$"""{"data":"hi","code":200,"sender":"{{sender}}"}"""));
        var (_, payload) = await go.NextMessageAsync();

        Assert.Equal($$"""{"data":"hi","code":200,"sender":"gilmour.response.{{sender}}"}""", JsonText.FromUtf8(payload));
        Assert.Equal(sender + "_default", RespClient.Text(await publisher.CommandAsync("GET", sender + "_default")));
        var ttl = (long)(await publisher.CommandAsync("TTL", sender + "_default"))!;
        Assert.InRange(ttl, 590, 600);
    }

    [Fact]
    public async Task A_message_whose_lock_is_taken_is_left_alone()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var handled = 0;
        await responder.ReplyAsync("locked", "g", (message, _) =>
        {
            Interlocked.Increment(ref handled);
            return Task.FromResult(new Reply(message.Message.Data, 200));
        }, Generous);
        var peer = await bus.RawAsync();
        var sender = Guid.NewGuid().ToString();
        // A native member of group g took this message first.
        await peer.CommandAsync("SET", sender + "g", sender + "g", "NX", "EX", "600");

        await peer.CommandAsync("PUBLISH", "gilmour.request.locked", $$"""{"data":1,"code":200,"sender":"{{sender}}"}""");
        await using var requester = new Requester(await bus.ConnectAsync());
        // A request after it is handled, so the first one was seen and skipped by then.
        Assert.Equal(200, (await requester.RequestAsync("locked", JsonText.Element("2"), Generous)).Code);

        Assert.Equal(1, handled);
    }

    [Fact]
    public async Task Responders_sharing_a_multiplexer_and_a_channel_keep_each_others_handlers()
    {
        await using var bus = await Bus.StartAsync();
        var shared = await bus.ConnectAsync();
        await using var first = new Responder(shared);
        await using var second = new Responder(shared);
        var counts = new int[2];
        var one = await first.ReplyAsync("shared", "nodes", Count(0), Generous);
        var two = await second.ReplyAsync("shared", "nodes", Count(1), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());
        var admin = await bus.RawAsync();

        for (var i = 0; i < 50; i++) Assert.Equal(200, (await requester.RequestAsync("shared", JsonText.Element("1"), Generous)).Code);
        Assert.Equal(50, counts[0] + counts[1]);

        await one.DisposeAsync();
        Assert.Equal(1L, await admin.NumSubAsync("gilmour.request.shared"));
        var before = counts[1];
        for (var i = 0; i < 20; i++) Assert.Equal(200, (await requester.RequestAsync("shared", JsonText.Element("1"), Generous)).Code);
        Assert.Equal(before + 20, counts[1]);

        await two.DisposeAsync();
        Assert.Equal(0L, await admin.NumSubAsync("gilmour.request.shared"));
        Assert.Equal(404, (await requester.RequestAsync("shared", JsonText.Element("1"), Generous)).Code);

        ReplyHandler Count(int index) => (message, _) =>
        {
            Interlocked.Increment(ref counts[index]);
            return Task.FromResult(new Reply(message.Message.Data, 200));
        };
    }

    [Fact]
    public async Task Stop_waits_for_in_flight_handlers_whose_replies_still_arrive()
    {
        await using var bus = await Bus.StartAsync();
        var responder = new Responder(await bus.ConnectAsync());
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await responder.ReplyAsync("long", "g", async (_, _) =>
        {
            entered.SetResult();
            await release.Task;
            return new Reply(JsonText.Element("\"finished\""), 200);
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());
        var admin = await bus.RawAsync();

        var request = requester.RequestAsync("long", JsonText.Element("1"), Generous);
        await entered.Task.WaitAsync(Generous);
        var stop = responder.StopAsync();

        await Eventually.HoldsAsync(async () => await admin.NumSubAsync("gilmour.request.long") == 0, Generous);
        Assert.False(stop.IsCompleted);
        release.SetResult();
        await stop.WaitAsync(Generous);
        var reply = await request;
        Assert.Equal((200, "finished"), (reply.Code, reply.Data.GetString()));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => responder.ReplyAsync("late", "g", Echo, Generous));
    }

    private static Task<Reply> Echo(IncomingMessage message, CancellationToken timeout) =>
        Task.FromResult(new Reply(message.Message.Data, 200));
}
