using Gilmour.Failover;
using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Responding;

/// <summary>
/// One handler of a <see cref="Responder"/> on one Redis channel (or pattern). Each message is handled on its own,
/// concurrently with the others; disposing unsubscribes this handler only and waits for its running messages.
/// </summary>
internal abstract class ResponderSubscription : IAsyncDisposable
{
    // One delegate instance per subscription: StackExchange.Redis's Unsubscribe(channel, handler) removes exactly
    // this handler, so other Responders on the same multiplexer and channel keep theirs; the channel itself is
    // unsubscribed when its last handler goes.
    private readonly Action<RedisChannel, RedisValue> _onMessage;
    private readonly RedisChannel _redisChannel;
    private readonly InFlight _inFlight = new();
    private readonly Lock _gate = new();
    private Task? _disposal;

    protected ResponderSubscription(Responder responder, string channel, string? group, TimeSpan timeout)
    {
        Responder = responder;
        Channel = channel;
        Group = group;
        Timeout = timeout;
        _redisChannel = Channels.IsPattern(channel) ? RedisChannel.Pattern(channel) : RedisChannel.Literal(channel);
        _onMessage = OnMessage;
    }

    /// <summary>The full channel (or pattern) subscribed, for example <c>gilmour.request.echo</c>.</summary>
    public string Channel { get; }

    public string? Group { get; }

    public TimeSpan Timeout { get; }

    protected Responder Responder { get; }

    public async Task SubscribeAsync()
    {
        try
        {
            // On the primary, where requesters count subscribers; it follows the primary through a failover.
            await Responder.Subscriber.SubscribeAsync(_redisChannel, _onMessage, RedisPrimary.Only);
            Responder.Primary.Follow(_redisChannel);
        }
        catch
        {
            // StackExchange.Redis may keep a handler whose SUBSCRIBE failed and subscribe it after a reconnect:
            // take it back, or it would run without anybody owning it.
            try
            {
                await Responder.Subscriber.UnsubscribeAsync(_redisChannel, _onMessage, CommandFlags.FireAndForget);
            }
            catch (RedisException)
            {
                // Nothing reached the server either.
            }
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate) _disposal ??= DisposeCoreAsync();
        return new ValueTask(_disposal);
    }

    /// <summary>Handles one message: lock, handler, reply or report, as the kind of subscription requires.</summary>
    protected abstract Task HandleAsync(IncomingMessage incoming);

    /// <summary>Starts the handler; the token fires when <see cref="Timeout"/> passes.</summary>
    protected abstract Task StartHandler(IncomingMessage incoming, CancellationToken timeout);

    /// <summary>Runs the handler, bounded by <see cref="Timeout"/>; never throws.</summary>
    protected async Task<HandlerOutcome> RunHandlerAsync(IncomingMessage incoming)
    {
        // The handler never runs on the thread that delivered the message (StackExchange.Redis's), however long
        // its synchronous part is: a slow handler must not hold up other messages.
        await Task.Yield();
        using var timeout = new CancellationTokenSource(Timeout);
        Task? handling = null;
        try
        {
            handling = StartHandler(incoming, timeout.Token);
            await handling.WaitAsync(timeout.Token);
            return HandlerOutcome.Completed(handling);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // The reply goes now; a handler that ignores its token runs on, and its end is observed and dropped.
            handling?.ContinueWith(static task => _ = task.Exception, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return HandlerOutcome.Expired;
        }
        catch (Exception failure)
        {
            return HandlerOutcome.Failed(failure);
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue payload)
    {
        // Unsubscribing: the message is left to the other members of the group (no lock is taken for it).
        if (!_inFlight.TryEnter()) return;
        _ = RunAsync(channel, payload);
    }

    private async Task RunAsync(RedisChannel channel, RedisValue payload)
    {
        var concrete = channel.ToString();
        var sender = "";
        try
        {
            var message = MessageCodec.Decode((ReadOnlyMemory<byte>)payload);
            sender = message.Sender;
            await HandleAsync(new IncomingMessage(Channels.TopicOf(concrete), concrete, message));
        }
        catch (Exception failure)
        {
            // Only Redis can fail here (lock, reply, report): the handler's own failures became replies.
            ResponderLog.HandlingFailed(Responder.Logger, failure, concrete, sender);
        }
        finally
        {
            _inFlight.Exit();
        }
    }

    private async Task DisposeCoreAsync()
    {
        Responder.Forget(this);
        try
        {
            Responder.Primary.Unfollow(_redisChannel);
            await Responder.Subscriber.UnsubscribeAsync(_redisChannel, _onMessage);
        }
        catch (RedisException failure)
        {
            // The handler is removed locally before UNSUBSCRIBE is sent; the server lost the channel with the connection.
            ResponderLog.UnsubscribeFailed(Responder.Logger, failure, Channel);
        }
        await _inFlight.DrainAsync();
    }
}
