using System.Text.Json;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Streaming;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// Hands one Gilmour message to a node that dials out: instead of an HTTP POST, the delivery is published on the
/// node's stream channel, which only the ControlApi replica holding its stream receives (nobody receiving it: the
/// node is unreachable, 502). A request then waits for the node's reply, which reaches this dispatcher through
/// <see cref="StreamReplies"/>; its timeout, and the node going off the bus, race the reply in
/// <see cref="StreamDeliveries"/>, and whichever wins decides what the requester gets.
/// </summary>
/// <remarks>
/// The Responder's own timeout for a stream node's service is the subscription's plus <see cref="ReplyGrace"/>: the
/// subscription's timeout is enforced here, so that a reply that won the race at the last moment still reaches the
/// requester instead of being overtaken by the Responder's 499. Only if that reply never arrives (Redis lost) does
/// the Responder's 499 go out, <see cref="ReplyGrace"/> later.
/// </remarks>
public sealed partial class StreamDelivery(IConnectionMultiplexer redis, StreamReplies replies, DeliveryTelemetry telemetry,
    ILogger<StreamDelivery> logger)
{
    public static readonly TimeSpan ReplyGrace = TimeSpan.FromSeconds(5);

    private static readonly Reply TimedOut = new(JsonSerializer.SerializeToElement(Codes.TimedOutText, GilmourJson.Default.String), Codes.TimedOut);

    private readonly StreamDeliveries _deliveries = new(redis);
    private readonly StreamReplies _replies = replies;
    private readonly ILogger<StreamDelivery> _logger = logger;

    /// <param name="responderTimeout">fires <see cref="ReplyGrace"/> after the subscription's timeout.</param>
    public async Task<Reply> RequestAsync(ProxiedNode node, Subscription service, IncomingMessage message, CancellationToken responderTimeout)
    {
        var offBus = node.OffBus;
        using var activity = DeliveryTelemetry.Start(node, service, null, message);
        telemetry.Entered(node);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(responderTimeout, offBus);
        deadline.CancelAfter(TimeSpan.FromSeconds(service.Timeout));
        try
        {
            NodeCapacity.Place place;
            try
            {
                // Beyond max_concurrency a delivery waits for a free place within its own timeout, as for a callback node.
                place = await node.Capacity.EnterAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!responderTimeout.IsCancellationRequested)
            {
                return Ended(activity, node, offBus.IsCancellationRequested ? ReplyOutcome.StreamClosed : ReplyOutcome.TimedOut);
            }
            using (place) return await DeliverAsync(node, service, message, activity, deadline.Token, offBus, responderTimeout);
        }
        catch (OperationCanceledException) when (responderTimeout.IsCancellationRequested)
        {
            telemetry.Record(activity, node, DeliveryTelemetry.TimedOut, Codes.TimedOut);
            throw;
        }
        finally
        {
            telemetry.Left(node);
        }
    }

    /// <summary>
    /// A signal to a slot: handed to the node's stream, and done (nothing answers a signal). A node whose stream is
    /// not open anywhere throws, which the Responder reports on the error channel.
    /// </summary>
    public async Task SignalAsync(ProxiedNode node, Subscription slot, IncomingMessage message, CancellationToken timeout)
    {
        using var activity = DeliveryTelemetry.Start(node, slot, null, message);
        telemetry.Entered(node);
        try
        {
            using (await node.Capacity.EnterAsync(timeout))
            {
                var frame = StreamFrame.Signal(StreamDeliveries.NewId(), slot.Path, message);
                if (await _deliveries.SignalAsync(node.Id, frame) == 0)
                {
                    telemetry.Record(activity, node, DeliveryTelemetry.Unreachable, Codes.Unreachable);
                    throw new NodeDeliveryException(NotOpen(node.Id));
                }
                telemetry.Record(activity, node, DeliveryTelemetry.Answered, Codes.Ok);
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            telemetry.Record(activity, node, DeliveryTelemetry.TimedOut, Codes.TimedOut);
            throw;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            telemetry.Record(activity, node, DeliveryTelemetry.Unreachable, Codes.Unreachable);
            throw new NodeDeliveryException($"node {node.Id} unreachable: the proxy cannot reach Redis ({e.Message})", e);
        }
        finally
        {
            telemetry.Left(node);
        }
    }

    private async Task<Reply> DeliverAsync(ProxiedNode node, Subscription service, IncomingMessage message,
        System.Diagnostics.Activity? activity, CancellationToken deadline, CancellationToken offBus, CancellationToken responderTimeout)
    {
        var start = _replies.StartAsync();
        if (!start.IsCompletedSuccessfully) await start;
        var id = StreamDeliveries.NewId();
        // Expected before the delivery goes out: the reply can arrive before the publish's own answer does.
        var reply = _replies.Expect(id);
        try
        {
            long receivers;
            try
            {
                var frame = StreamFrame.Request(id, service.Path, message, service.Timeout);
                // Kept past the timeout and the grace, so that a reply racing the end still finds it.
                var lifetime = TimeSpan.FromSeconds(service.Timeout) + ReplyGrace + ReplyGrace;
                // Not cut short by the deadline: the delivery may be out already, and only its record says whether
                // its reply came; Redis's own command timeout bounds this.
                receivers = await _deliveries.StartAsync(id, node.Id, _replies.Channel, lifetime, frame);
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                LogUnreachable(e, node.Id);
                telemetry.Record(activity, node, DeliveryTelemetry.Unreachable, Codes.Unreachable);
                return new Reply(Text($"node {node.Id} unreachable: the proxy cannot reach Redis ({e.Message})"), Codes.Unreachable);
            }
            if (receivers == 0)
            {
                LogNotOpen(node.Id);
                telemetry.Record(activity, node, DeliveryTelemetry.Unreachable, Codes.Unreachable);
                return new Reply(Text(NotOpen(node.Id)), Codes.Unreachable);
            }

            try
            {
                return Answered(activity, node, await reply.WaitAsync(deadline));
            }
            catch (OperationCanceledException) when (!responderTimeout.IsCancellationRequested)
            {
                var end = offBus.IsCancellationRequested ? ReplyOutcome.StreamClosed : ReplyOutcome.TimedOut;
                if (await EndAsync(id, end)) return Ended(activity, node, end);
                // The reply won the race: it is on its way here (or the Responder's timeout ends the wait).
                return Answered(activity, node, await reply.WaitAsync(responderTimeout));
            }
        }
        finally
        {
            _replies.Forget(id);
        }
    }

    private async Task<bool> EndAsync(string id, ReplyOutcome end)
    {
        try
        {
            return await _deliveries.EndAsync(id, end);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Nobody can tell whether the reply came: the requester is told the delivery ended, and a reply still
            // arriving is dropped.
            LogEndFailed(e, id);
            return true;
        }
    }

    private Reply Answered(System.Diagnostics.Activity? activity, ProxiedNode node, Reply reply)
    {
        telemetry.Record(activity, node, DeliveryTelemetry.Answered, reply.Code);
        return reply;
    }

    private Reply Ended(System.Diagnostics.Activity? activity, ProxiedNode node, ReplyOutcome end)
    {
        if (end == ReplyOutcome.TimedOut)
        {
            telemetry.Record(activity, node, DeliveryTelemetry.TimedOut, Codes.TimedOut);
            return TimedOut;
        }
        telemetry.Record(activity, node, DeliveryTelemetry.Unreachable, Codes.Unreachable);
        return ReplyEnvelope.StreamClosed(node.Id);
    }

    private static string NotOpen(string nodeId) => $"node {nodeId} unreachable: its stream is not open on any control API";

    private static JsonElement Text(string text) => JsonSerializer.SerializeToElement(text, GilmourJson.Default.String);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Node {NodeId}: no stream open to deliver to")]
    private partial void LogNotOpen(string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} unreachable: the delivery could not be handed to its stream")]
    private partial void LogUnreachable(Exception exception, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending stream delivery {DeliveryId} failed")]
    private partial void LogEndFailed(Exception exception, string deliveryId);
}
