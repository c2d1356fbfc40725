using System.Diagnostics;
using System.Text.Json;
using Gilmour.Core.Tests.Support;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gilmour.Core.Tests.Requests;

public sealed class RequesterTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);

    /// <summary>A request timeout no test waits for.</summary>
    private static readonly TimeSpan FarBeyondTheWait = TimeSpan.FromHours(1);

    [Fact]
    public async Task Request_gets_the_reply_of_the_responder()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("echo", "workers", (message, _) => Task.FromResult(new Reply(message.Message.Data, 201)), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        var reply = await requester.RequestAsync("echo", JsonText.Element("""{"say":"hi"}"""), Generous);

        Assert.Equal(201, reply.Code);
        Assert.Equal("""{"say":"hi"}""", reply.Data.GetRawText());
    }

    [Fact]
    public async Task Request_nobody_listens_to_ends_at_once_with_404()
    {
        await using var bus = await Bus.StartAsync();
        await using var requester = new Requester(await bus.ConnectAsync());
        await requester.StartAsync();

        // A timeout far beyond the wait: only an answer that does not wait for it can arrive in time.
        var reply = await requester.RequestAsync("nobody.home", JsonText.Element("1"), FarBeyondTheWait).WaitAsync(Generous);

        Assert.Equal(404, reply.Code);
        Assert.Equal("No active listeners for: nobody.home", reply.Data.GetString());
        Assert.Equal(0, requester.PendingCount);
    }

    [Fact]
    public async Task Request_heard_only_by_a_pattern_subscriber_is_404_at_once_and_not_published()
    {
        await using var bus = await Bus.StartAsync();
        // A monitor on gilmour.* counts in PUBLISH's receivers but never answers; Go and Ruby ask NUMSUB, which
        // counts channel subscribers only, and publish nothing when it is zero.
        var monitor = await bus.RawAsync();
        await monitor.SubscribeAsync("gilmour.request.*");
        await using var requester = new Requester(await bus.ConnectAsync());
        await requester.StartAsync();
        var admin = await bus.RawAsync();
        var before = await admin.CommandCallsAsync();

        var reply = await requester.RequestAsync("nobody.serves", JsonText.Element("1"), FarBeyondTheWait).WaitAsync(Generous);

        Assert.Equal(404, reply.Code);
        var after = await admin.CommandCallsAsync();
        Assert.Equal(1, after.GetValueOrDefault("pubsub|numsub") - before.GetValueOrDefault("pubsub|numsub"));
        Assert.Equal(0, after.GetValueOrDefault("publish") - before.GetValueOrDefault("publish"));
    }

    [Fact]
    public async Task Server_that_refuses_scripts_still_gets_404_and_replies_through_numsub_then_publish()
    {
        await using var server = new RedisServer { ExtraArguments = ["--rename-command", "EVALSHA", "", "--rename-command", "EVAL", ""] };
        await server.StartAsync();
        await using var responderConnection = await server.ConnectAsync();
        await using var responder = new Responder(responderConnection);
        await responder.ReplyAsync("echo", "g", (message, _) => Task.FromResult(new Reply(message.Message.Data, 200)), Generous);
        await using var requesterConnection = await server.ConnectAsync();
        await using var requester = new Requester(requesterConnection);

        var served = await requester.RequestAsync("echo", JsonText.Element("\"x\""), Generous);
        var unserved = await requester.RequestAsync("nobody", JsonText.Element("1"), TimeSpan.FromSeconds(30));

        Assert.True(requester.ScriptsRefused);
        Assert.Equal((200, "x"), (served.Code, served.Data.GetString()));
        Assert.Equal(404, unserved.Code);
    }

    [Fact]
    public async Task Request_without_a_reply_times_out_with_499_and_a_late_reply_is_dropped()
    {
        await using var bus = await Bus.StartAsync();
        var silent = await bus.RawAsync();
        await silent.SubscribeAsync("gilmour.request.silent");
        await using var requester = new Requester(await bus.ConnectAsync());

        var reply = await requester.RequestAsync("silent", JsonText.Element("1"), TimeSpan.FromMilliseconds(300));

        Assert.Equal(Codes.TimedOut, reply.Code);
        Assert.Equal("Execution timed out", reply.Data.GetString());
        Assert.Equal(0, requester.PendingCount);

        var (_, request) = await silent.NextMessageAsync();
        var sender = MessageCodec.Decode(request).Sender;
        var publisher = await bus.RawAsync();
        var receivers = await publisher.CommandAsync("PUBLISH", Channels.Response(sender), """{"data":"late","code":200,"sender":"x"}""");
        Assert.Equal(1L, receivers);
        // The requester still works after dropping the late reply.
        Assert.Equal(404, (await requester.RequestAsync("nobody", JsonText.Element("1"), Generous)).Code);
        Assert.Equal(0, requester.PendingCount);
    }

    [Fact]
    public async Task Caller_cancellation_ends_the_request_with_OperationCanceledException()
    {
        await using var bus = await Bus.StartAsync();
        var silent = await bus.RawAsync();
        await silent.SubscribeAsync("gilmour.request.silent");
        await using var requester = new Requester(await bus.ConnectAsync());
        using var cancellation = new CancellationTokenSource();

        var request = requester.RequestAsync("silent", JsonText.Element("1"), Generous, cancellation.Token);
        await silent.NextMessageAsync();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        Assert.Equal(0, requester.PendingCount);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_their_own_reply()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("square", "math", (message, _) =>
        {
            var n = message.Message.Data.GetInt32();
            return Task.FromResult(new Reply(JsonSerializer.SerializeToElement(n * n), 200));
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        var replies = await Task.WhenAll(Enumerable.Range(0, 500).Select(n =>
            requester.RequestAsync("square", JsonSerializer.SerializeToElement(n), Generous)));

        Assert.Equal(Enumerable.Range(0, 500).Select(n => n * n), replies.Select(r => r.Data.GetInt32()));
        Assert.All(replies, r => Assert.Equal(200, r.Code));
        Assert.Equal(0, requester.PendingCount);
    }

    [Fact]
    public async Task Requests_hold_one_reply_pattern_and_never_subscribe_per_request()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("ping", "g", (_, _) => Task.FromResult(new Reply(JsonText.Element("\"pong\""), 200)), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());
        await requester.StartAsync();
        var admin = await bus.RawAsync();

        Assert.Equal(1L, await admin.CommandAsync("PUBSUB", "NUMPAT"));
        var before = await admin.CommandCallsAsync();
        const int Requests = 1_000;
        for (var i = 0; i < Requests; i++)
            Assert.Equal(200, (await requester.RequestAsync("ping", JsonText.Element("null"), Generous)).Code);
        var after = await admin.CommandCallsAsync();

        long Delta(string command) => after.GetValueOrDefault(command) - before.GetValueOrDefault(command);
        // Per request: the requester's one script call (NUMSUB and PUBLISH on the server), the responder's lock
        // SET and reply PUBLISH. Nothing else: no SUBSCRIBE, no separate NUMSUB round trip.
        var scriptCalls = Delta("evalsha") + Delta("eval");
        Assert.Equal(Requests, scriptCalls);
        Assert.Equal(Requests, Delta("pubsub|numsub"));
        Assert.Equal(2 * Requests, Delta("publish"));
        Assert.Equal(Requests, Delta("set"));
        foreach (var command in new[] { "subscribe", "psubscribe", "unsubscribe", "punsubscribe", "pubsub" })
            Assert.Equal(0, Delta(command));
        Assert.Equal(1L, await admin.CommandAsync("PUBSUB", "NUMPAT"));
        Assert.False(requester.ScriptsRefused);
        output.WriteLine($"{Requests} requests: evalsha+eval +{scriptCalls}, publish +{Delta("publish")}, set +{Delta("set")}; " +
            $"requester round trips per request = {scriptCalls / (double)Requests}");
    }

    [Fact]
    public async Task Signal_reaches_its_slot_and_returns_the_sender_used()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync());
        var received = new TaskCompletionSource<IncomingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        await responder.SlotAsync("user.created", null, (message, _) =>
        {
            received.TrySetResult(message);
            return Task.CompletedTask;
        }, Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        var sender = await requester.SignalAsync("user.created", JsonText.Element("""{"id":7}"""));

        var message = await received.Task.WaitAsync(Generous);
        Assert.Equal(sender, message.Message.Sender);
        Assert.Equal("""{"id":7}""", message.Message.Data.GetRawText());
        Assert.Equal(200, message.Message.Code);
    }

    [Fact]
    public async Task Signal_nobody_listens_to_is_not_an_error()
    {
        await using var bus = await Bus.StartAsync();
        await using var requester = new Requester(await bus.ConnectAsync());

        var sender = await requester.SignalAsync("nobody.listens", JsonText.Element("1"));

        Assert.Matches("^[0-9a-f]{32}\\.[0-9a-f]+$", sender);
    }

    [Fact]
    public async Task Senders_are_unique_and_share_the_per_process_prefix()
    {
        await using var bus = await Bus.StartAsync();
        await using var requester = new Requester(await bus.ConnectAsync());
        await using var other = new Requester(await bus.ConnectAsync());

        var senders = Enumerable.Range(0, 10_000).AsParallel().Select(_ => requester.NewSender()).ToArray();

        Assert.Equal(senders.Length, senders.Distinct().Count());
        Assert.Single(senders.Select(s => s.Split('.')[0]).Distinct());
        Assert.NotEqual(senders[0].Split('.')[0], other.NewSender().Split('.')[0]);
    }

    [Fact]
    public async Task Requester_survives_a_redis_restart_and_its_reply_pattern_comes_back()
    {
        await using var bus = await Bus.StartAsync(FreePort.Next());
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("after.restart", "g", (_, _) => Task.FromResult(new Reply(JsonText.Element("\"up\""), 200)), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());
        Assert.Equal(200, (await requester.RequestAsync("after.restart", JsonText.Element("1"), Generous)).Code);

        await bus.Server.StopAsync();
        await bus.Server.StartAsync();

        // The responder and the requester's pattern come back on their own; no request is needed to trigger it.
        await Eventually.HoldsAsync(async () => await NumPatAsync(bus) == 1, Generous, () => "reply pattern not resubscribed");
        Reply? last = null;
        await Eventually.HoldsAsync(async () =>
        {
            try
            {
                last = await requester.RequestAsync("after.restart", JsonText.Element("1"), TimeSpan.FromSeconds(1));
                return last.Code == 200;
            }
            // Still reconnecting: refused, or timed out (a timeout is not a RedisException in StackExchange.Redis).
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                return false;
            }
        }, Generous, () => $"last reply: {last}");
        Assert.Equal("up", last!.Data.GetString());
    }

    [Fact]
    public async Task Request_ends_at_its_timeout_while_redis_is_unreachable()
    {
        await using var bus = await Bus.StartAsync();
        // StackExchange.Redis either fails a command at once or holds it in its backlog until this timeout, here far
        // beyond the wait: only the request's own timeout can end it in time.
        await using var requester = new Requester(await bus.ConnectAsync(options => options.AsyncTimeout = options.SyncTimeout = 600_000));
        await requester.StartAsync();
        await bus.Server.StopAsync();

        var clock = Stopwatch.StartNew();
        var outcome = await Record.ExceptionAsync(async () =>
            Assert.Equal(Codes.TimedOut, (await requester.RequestAsync("anything", JsonText.Element("1"), TimeSpan.FromMilliseconds(500))
                .WaitAsync(Generous)).Code));
        output.WriteLine($"outcome: {outcome?.GetType().Name ?? "499"} after {clock.Elapsed}");

        Assert.True(outcome is null or RedisException, $"unexpected {outcome}");
        Assert.Equal(0, requester.PendingCount);
    }

    [Fact]
    public async Task Disposed_requester_ends_waiting_requests_and_removes_its_reply_pattern()
    {
        await using var bus = await Bus.StartAsync();
        var silent = await bus.RawAsync();
        await silent.SubscribeAsync("gilmour.request.silent");
        var requester = new Requester(await bus.ConnectAsync());
        var waiting = requester.RequestAsync("silent", JsonText.Element("1"), Generous);
        await silent.NextMessageAsync();
        Assert.Equal(1L, await NumPatAsync(bus));

        await requester.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting);
        await Eventually.HoldsAsync(async () => await NumPatAsync(bus) == 0, Generous);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => requester.RequestAsync("x", JsonText.Element("1"), Generous));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(-5L)]
    [InlineData(6_000_000_000L)]
    public async Task Request_refuses_a_timeout_that_is_not_positive_or_beyond_a_timer(long milliseconds)
    {
        await using var bus = await Bus.StartAsync();
        await using var requester = new Requester(await bus.ConnectAsync());

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            requester.RequestAsync("x", JsonText.Element("1"), TimeSpan.FromMilliseconds(milliseconds)));
        Assert.Equal(0, requester.PendingCount);
    }

    private static async Task<long> NumPatAsync(Bus bus)
    {
        try
        {
            await using var admin = await RespClient.ConnectAsync(bus.Server.Port);
            return (long)(await admin.CommandAsync("PUBSUB", "NUMPAT"))!;
        }
        catch (Exception failure) when (failure is IOException or System.Net.Sockets.SocketException)
        {
            return -1;
        }
    }
}
