using System.Text.Json;
using Gilmour.Errors;
using Gilmour.Failover;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Requests;
using StackExchange.Redis;

namespace Gilmour.Responding;

/// <summary>A reply handler: exclusion lock, handler within its timeout, reply on the sender's channel, error report.</summary>
internal sealed class ReplySubscription(Responder responder, string channel, string group, ReplyHandler handler, TimeSpan timeout)
    : ResponderSubscription(responder, channel, group, timeout)
{
    private static readonly TimeSpan ReplyAgainPause = TimeSpan.FromMilliseconds(50);
    private static readonly Reply TimedOut = new(JsonSerializer.SerializeToElement(Codes.TimedOutText, GilmourJson.Default.String), Codes.TimedOut);

    public string ExclusionGroup { get; } = group;

    protected override async Task HandleAsync(IncomingMessage incoming)
    {
        var sender = incoming.Message.Sender;
        if (sender.Length == 0)
        {
            ResponderLog.NoSender(Responder.Logger, incoming.Channel);
            return;
        }
        // The lock is always a round trip before the reply: Ruby requesters subscribe to their reply channel
        // only after publishing the request, and win that race because of it.
        if (!await ExclusionLock.TryAcquireAsync(Responder.Database, sender, ExclusionGroup))
        {
            Responder.OnLockLost(incoming, ExclusionGroup);
            return;
        }

        var outcome = await RunHandlerAsync(incoming);
        var reply = outcome switch
        {
            { TimedOut: true } => TimedOut,
            { Failure: { } failure } => Failed(failure),
            _ => await (Task<Reply>)outcome.Handling! ?? Failed(new InvalidOperationException("the reply handler returned no reply")),
        };

        // Go writes the reply channel into a reply's sender field (nobody reads it).
        var replyChannel = Channels.Response(sender);
        await PublishReplyAsync(RedisChannel.Literal(replyChannel), MessageCodec.Encode(new Message(reply.Data, reply.Code, replyChannel)));

        if (Codes.IsError(reply.Code))
        {
            var backtrace = outcome.Failure?.ToString() ?? ErrorReport.TextOf(reply.Data);
            await Responder.ReportAsync(new ErrorReport(reply.Code, incoming.Channel, incoming.Message.Data, sender, backtrace));
        }
    }

    protected override Task StartHandler(IncomingMessage incoming, CancellationToken timeout) => handler(incoming, timeout);

    /// <summary>
    /// Publishes the reply on the primary. A reply is repeatable (a requester takes the first and drops the rest), so
    /// it is sent again whenever the connection failed under it; and right after the primary changed, one that
    /// reached nobody is sent again while the requester's reply subscription may still be on its way there.
    /// </summary>
    private async Task PublishReplyAsync(RedisChannel channel, byte[] payload)
    {
        var primary = Responder.Primary;
        var state = (Subscriber: Responder.Subscriber, Channel: channel, Payload: payload);
        if (await primary.RunAsync(state, PublishAsync, repeatable: true) > 0 || !primary.Settling) return;
        using var wait = new CancellationTokenSource(RedisPrimary.DefaultWait);
        while (primary.Settling)
        {
            try
            {
                await Task.Delay(ReplyAgainPause, wait.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            if (await primary.RunAsync(state, PublishAsync, wait.Token, repeatable: true) > 0) return;
        }
    }

    private static Task<long> PublishAsync((ISubscriber Subscriber, RedisChannel Channel, byte[] Payload) state) =>
        state.Subscriber.PublishAsync(state.Channel, state.Payload, RedisPrimary.Only);

    private static Reply Failed(Exception failure) =>
        new(JsonSerializer.SerializeToElement(failure.Message, GilmourJson.Default.String), Codes.HandlerFailed);
}
