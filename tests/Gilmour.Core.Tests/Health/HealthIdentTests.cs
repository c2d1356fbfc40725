using Gilmour.Core.Tests.Support;
using Gilmour.Health;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Responding;

namespace Gilmour.Core.Tests.Health;

public sealed class HealthIdentTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    [Fact]
    public void Ident_names_host_pid_and_a_uuid()
    {
        var ident = HealthIdent.New();

        Assert.Matches($"^{Environment.MachineName}-pid-{Environment.ProcessId}-uuid-[0-9a-f]{{8}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{4}}-[0-9a-f]{{12}}$", ident);
        Assert.NotEqual(ident, HealthIdent.New());
    }

    [Fact]
    public async Task Ident_is_registered_answers_with_its_topics_and_is_removed_on_stop()
    {
        await using var bus = await Bus.StartAsync();
        var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("orders.place", "g", (m, _) => Task.FromResult(new Reply(m.Message.Data, 200)), Generous);
        await responder.SlotAsync("orders.*", null, (_, _) => Task.CompletedTask, Generous);
        await responder.SlotAsync("audit", "auditors", (_, _) => Task.CompletedTask, Generous);
        var admin = await bus.RawAsync();

        await responder.StartAsync();

        Assert.Equal("true", RespClient.Text(await admin.CommandAsync("HGET", Channels.KnownHostHealth, responder.Ident)));
        await using var requester = new Requester(await bus.ConnectAsync());
        var reply = await requester.RequestAsync(Channels.Health(responder.Ident), JsonText.Element("null"), Generous);
        Assert.Equal(200, reply.Code);
        Assert.Equal("""["gilmour.request.orders.place","gilmour.slot.audit","gilmour.slot.orders.*"]""", reply.Data.GetRawText());

        await responder.StopAsync();

        Assert.Equal(0L, await admin.CommandAsync("HEXISTS", Channels.KnownHostHealth, responder.Ident));
        Assert.Equal(404, (await requester.RequestAsync(Channels.Health(responder.Ident), JsonText.Element("null"), Generous)).Code);
    }

    [Fact]
    public async Task Health_ping_takes_the_exclusive_lock_like_any_reply()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.StartAsync();
        var monitor = await bus.RawAsync();
        var publisher = await bus.RawAsync();
        var sender = Guid.NewGuid().ToString("N");

        await monitor.SubscribeAsync(Channels.Response(sender));
        await publisher.CommandAsync("PUBLISH", Channels.Health(responder.Ident), $$"""{"data":null,"code":0,"sender":"{{sender}}"}""");
        var (_, payload) = await monitor.NextMessageAsync();

        Assert.Equal($$"""{"data":[],"code":200,"sender":"gilmour.response.{{sender}}"}""", JsonText.FromUtf8(payload));
        Assert.Equal(1L, await publisher.CommandAsync("EXISTS", sender + "exclusive"));
    }

    [Fact]
    public async Task Given_ident_answers_pings_without_being_registered()
    {
        await using var bus = await Bus.StartAsync();
        const string Ident = "node-7f3a-pid-1-uuid-00000000-0000-0000-0000-000000000001";
        var responder = new Responder(await bus.ConnectAsync(), new ResponderOptions { Ident = Ident, RegisterIdent = false });
        await responder.SlotAsync("x", null, (_, _) => Task.CompletedTask, Generous);
        var admin = await bus.RawAsync();
        // The registry owns this ident: stopping the responder must not remove it.
        await admin.CommandAsync("HSET", Channels.KnownHostHealth, Ident, "true");

        await responder.StartAsync();
        await using var requester = new Requester(await bus.ConnectAsync());
        var reply = await requester.RequestAsync(Channels.Health(Ident), JsonText.Element("null"), Generous);
        await responder.StopAsync();

        Assert.Equal(Ident, responder.Ident);
        Assert.Equal("""["gilmour.slot.x"]""", reply.Data.GetRawText());
        Assert.Equal(1L, await admin.CommandAsync("HEXISTS", Channels.KnownHostHealth, Ident));
    }

    [Fact]
    public async Task Responder_without_health_answers_no_pings()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync(), new ResponderOptions { AnswerHealth = false, RegisterIdent = false });

        await responder.StartAsync();

        var admin = await bus.RawAsync();
        Assert.Equal(0L, await admin.NumSubAsync(Channels.Health(responder.Ident)));
        Assert.Equal(0L, await admin.CommandAsync("EXISTS", Channels.KnownHostHealth));
    }
}
