using System.Text.RegularExpressions;
using Gilmour.Core.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Responding;

namespace Gilmour.Core.Tests.Protocol;

/// <summary>What a Go or Ruby peer sees: the exact payloads on the channels, read by a raw RESP subscriber.</summary>
public sealed class WireFormatTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Request_is_published_as_data_code_200_sender_and_a_raw_reply_answers_it()
    {
        await using var bus = await Bus.StartAsync();
        var peer = await bus.RawAsync();
        await peer.SubscribeAsync("gilmour.request.wire.echo");
        await using var requester = new Requester(await bus.ConnectAsync());

        var request = requester.RequestAsync("wire.echo", JsonText.Element("""{"n":1,"s":"ü"}"""), Generous);
        var (channel, payload) = await peer.NextMessageAsync();
        var text = JsonText.FromUtf8(payload);
        var sender = Regex.Match(text, "\"sender\":\"([^\"]+)\"}$").Groups[1].Value;
        var replier = await bus.RawAsync();
        // A Go responder's reply: PUBLISH must count a receiver (the requester's pattern), or Go would drop it.
        Assert.Equal(1L, await replier.CommandAsync("PUBLISH", "gilmour.response." + sender, """{"data":"pong","code":200,"sender":"gilmour.response.x"}"""));
        var reply = await request;

        Assert.Equal("gilmour.request.wire.echo", channel);
        Assert.Equal($$"""{"data":{"n":1,"s":"ü"},"code":200,"sender":"{{sender}}"}""", text);
        Assert.Matches("^[0-9a-f]{32}\\.[0-9a-f]+$", sender);
        Assert.Equal((200, "pong"), (reply.Code, reply.Data.GetString()));
    }

    [Fact]
    public async Task Request_with_a_traceparent_carries_it_after_the_sender()
    {
        await using var bus = await Bus.StartAsync();
        var peer = await bus.RawAsync();
        await peer.SubscribeAsync("gilmour.request.traced");
        await using var requester = new Requester(await bus.ConnectAsync());

        _ = requester.RequestAsync("traced", JsonText.Element("null"), TimeSpan.FromSeconds(2), traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        var text = JsonText.FromUtf8((await peer.NextMessageAsync()).Payload);

        Assert.Matches("""^\{"data":null,"code":200,"sender":"[0-9a-f]{32}\.[0-9a-f]+","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"\}$""", text);
    }

    [Fact]
    public async Task Reply_is_published_on_the_senders_channel_with_the_channel_as_sender()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("wire.created", "g", (_, _) => Task.FromResult(new Reply(JsonText.Element("""{"id":42,"tags":["a"]}"""), 201)), Generous);
        var peer = await bus.RawAsync();
        var publisher = await bus.RawAsync();
        const string Sender = "0f8e7d6c5b4a39281706f5e4d3c2b1a0";

        await peer.SubscribeAsync("gilmour.response." + Sender);
        await publisher.CommandAsync("PUBLISH", "gilmour.request.wire.created", $$"""{"data":{},"code":0,"sender":"{{Sender}}"}""");
        var (channel, payload) = await peer.NextMessageAsync();

        Assert.Equal("gilmour.response." + Sender, channel);
        Assert.Equal($$"""{"data":{"id":42,"tags":["a"]},"code":201,"sender":"gilmour.response.{{Sender}}"}""", JsonText.FromUtf8(payload));
    }

    [Fact]
    public async Task Timed_out_reply_is_499_execution_timed_out()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("wire.slow", "g", async (_, timeout) =>
        {
            await Task.Delay(Timeout.Infinite, timeout);
            return new Reply(default, 200);
        }, TimeSpan.FromMilliseconds(100));
        var peer = await bus.RawAsync();
        var publisher = await bus.RawAsync();
        var sender = Guid.NewGuid().ToString();

        await peer.SubscribeAsync("gilmour.response." + sender);
        await publisher.CommandAsync("PUBLISH", "gilmour.request.wire.slow", $$"""{"data":1,"code":200,"sender":"{{sender}}"}""");

        Assert.Equal($$"""{"data":"Execution timed out","code":499,"sender":"gilmour.response.{{sender}}"}""",
            JsonText.FromUtf8((await peer.NextMessageAsync()).Payload));
    }

    [Fact]
    public async Task Signal_is_published_on_the_slot_channel_as_data_code_200_sender()
    {
        await using var bus = await Bus.StartAsync();
        var peer = await bus.RawAsync();
        await peer.SubscribeAsync("gilmour.slot.wire.*");
        await using var requester = new Requester(await bus.ConnectAsync());

        var sender = await requester.SignalAsync("wire.happened", JsonText.Element("[1,\"two\"]"));
        var (channel, payload) = await peer.NextMessageAsync();

        Assert.Equal("gilmour.slot.wire.happened", channel);
        Assert.Equal($$"""{"data":[1,"two"],"code":200,"sender":"{{sender}}"}""", JsonText.FromUtf8(payload));
    }

    [Fact]
    public async Task Topic_already_starting_with_gilmour_is_used_as_is()
    {
        await using var bus = await Bus.StartAsync();
        var peer = await bus.RawAsync();
        await peer.SubscribeAsync("gilmour.custom.channel");
        await using var requester = new Requester(await bus.ConnectAsync());

        await requester.SignalAsync("gilmour.custom.channel", JsonText.Element("1"));

        Assert.Equal("gilmour.custom.channel", (await peer.NextMessageAsync()).Channel);
    }
}
