using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using Gilmour.Failover;
using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Requests;

/// <summary>
/// The requesting side of Gilmour for one process: requests (reply awaited) and signals (fire and forget).
/// One long-lived pattern subscription serves the replies of every request of the process, so a request costs
/// no SUBSCRIBE/UNSUBSCRIBE round trip.
/// </summary>
/// <remarks>
/// Every sender of this requester is <c>&lt;prefix&gt;.&lt;sequence&gt;</c> for a random per-instance prefix, and
/// <c>PSUBSCRIBE gilmour.response.&lt;prefix&gt;.*</c> receives every reply. Go and Ruby responders publish a
/// reply on <c>gilmour.response.&lt;sender&gt;</c> and check PUBLISH's receiver count, which counts pattern
/// subscribers, so they see a listener. Every command goes to the primary (<see cref="RedisPrimary"/>), and the
/// PSUBSCRIBE follows the primary across a reconnect or a Sentinel failover. A request or signal is sent again only
/// when it surely did not reach Redis, so it never runs twice. Thread-safe; meant to live as long as the process.
/// </remarks>
public sealed class Requester : IAsyncDisposable
{
    private static readonly TimeSpan SignalAgainPause = TimeSpan.FromMilliseconds(50);
    private static readonly Reply TimedOut = new(JsonSerializer.SerializeToElement(Codes.TimedOutText, Json.GilmourJson.Default.String), Codes.TimedOut)
    {
        IsLocal = true,
    };

    private readonly ISubscriber _subscriber;
    private readonly RedisPrimary _primary;
    private readonly ListenedPublish _publish;
    private readonly string _prefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
    private readonly RedisChannel _replies;
    private readonly Action<RedisChannel, RedisValue> _onReply;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Reply>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Reply>>.AlternateLookup<ReadOnlySpan<char>> _pendingBySpan;
    private readonly TimeoutSources _timeouts = new();
    private readonly Lock _startGate = new();
    private Task? _start;
    private long _sequence;
    private volatile bool _disposed;

    public Requester(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _subscriber = redis.GetSubscriber();
        _primary = RedisPrimary.Of(redis);
        _publish = new ListenedPublish(redis);
        _replies = RedisChannel.Pattern(Channels.Response(_prefix + ".*"));
        _onReply = OnReply;
        _pendingBySpan = _pending.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True once the server refused scripts and each request costs two round trips instead of one.</summary>
    internal bool ScriptsRefused => _publish.ScriptsRefused;

    /// <summary>Requests awaiting their reply right now.</summary>
    internal int PendingCount => _pending.Count;

    /// <summary>Subscribes the reply pattern; idempotent; called lazily by the first request too.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Task start;
        lock (_startGate)
        {
            // A failed attempt (Redis unreachable) is retried by the next caller instead of being cached.
            if (_start is null || _start.IsFaulted || _start.IsCanceled) _start = SubscribeRepliesAsync();
            start = _start;
        }
        return start.IsCompleted ? start : start.WaitAsync(cancellationToken);
    }

    /// <summary>A fresh sender id of this process (unique across the bus; keys the exclusion lock).</summary>
    public string NewSender() => $"{_prefix}.{Interlocked.Increment(ref _sequence):x}";

    /// <summary>
    /// Publishes <paramref name="data"/> on gilmour.request.<paramref name="topic"/> and waits for the reply:
    /// code 404 at once when nobody listens, 499 "Execution timed out" when <paramref name="timeout"/> passes.
    /// While no primary can be reached, the request waits for one within <paramref name="timeout"/>.
    /// </summary>
    /// <remarks>A reply without a code (a bare value a Ruby peer may publish) counts as 200.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="RedisException">no primary within the timeout, or the connection failed after the request
    /// was sent (it may have been published, so it is not sent again).</exception>
    public async Task<Reply> RequestAsync(string topic, JsonElement data, TimeSpan timeout,
        CancellationToken cancellationToken = default, string? traceparent = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Timeouts.ThrowIfInvalid(timeout, nameof(timeout));
        cancellationToken.ThrowIfCancellationRequested();
        var start = StartAsync(cancellationToken);
        if (!start.IsCompletedSuccessfully) await start;

        var sender = NewSender();
        var reply = new TaskCompletionSource<Reply>(TaskCreationOptions.RunContinuationsAsynchronously);
        // Registered before PUBLISH: the reply can arrive before PUBLISH's own answer does.
        _pending[sender] = reply;
        var timer = _timeouts.Rent(timeout);
        var timedOut = timer.Token.UnsafeRegister(static state => ((TaskCompletionSource<Reply>)state!).TrySetResult(TimedOut), reply);
        var canceled = cancellationToken.UnsafeRegister(static (state, token) => ((TaskCompletionSource<Reply>)state!).TrySetCanceled(token), reply);
        try
        {
            var payload = MessageCodec.Encode(new Message(data, Codes.Ok, sender, traceparent));
            // Published only if a responder subscribes to the channel (what Go and Ruby check with PUBSUB NUMSUB
            // first), in the same round trip; nobody, or nobody left by the time PUBLISH ran, is a 404.
            var publish = _publish.PublishAsync(Channels.Request(topic), payload, timer.Token, cancellationToken);
            // While no primary can be reached the publish waits for one: the request's own timeout and its caller's
            // cancellation still end it on time.
            if (await Task.WhenAny(publish, reply.Task) == publish)
            {
                // Nobody found within the timeout while subscribers were settling on a new primary: timed out.
                if (await publish <= 0) return timer.IsCancellationRequested ? await reply.Task : NoSubscriber(topic);
            }
            else
            {
                _ = publish.ContinueWith(static task => _ = task.Exception, CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            return await reply.Task;
        }
        finally
        {
            _pending.TryRemove(sender, out _);
            // Dispose waits for a callback that is running, so the source is quiet before it is reused.
            timedOut.Dispose();
            canceled.Dispose();
            _timeouts.Return(timer);
        }
    }

    /// <summary>Publishes on gilmour.slot.<paramref name="topic"/>; returns the sender used.</summary>
    /// <remarks>
    /// A signal nobody listens to is not an error (Go and Ruby do not check either). While no primary can be reached
    /// it waits for one, at most <see cref="RedisPrimary.DefaultWait"/>; right after the primary changed, a signal
    /// that reached nobody is published again within that wait (slots may still be re-subscribing), which cannot
    /// deliver it twice.
    /// </remarks>
    /// <param name="topic">The slot topic.</param>
    /// <param name="data">The message.</param>
    /// <param name="cancellationToken">Ends a wait for a primary (the caller is gone).</param>
    /// <param name="traceparent">W3C trace context to carry.</param>
    /// <param name="wait">How long to wait for a primary; <see cref="RedisPrimary.DefaultWait"/> when null.</param>
    /// <exception cref="RedisException">no primary within the wait, or the connection failed after the signal was
    /// sent (it may have been published, so it is not sent again).</exception>
    public async Task<string> SignalAsync(string topic, JsonElement data,
        CancellationToken cancellationToken = default, string? traceparent = null, TimeSpan? wait = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var sender = NewSender();
        var payload = MessageCodec.Encode(new Message(data, Codes.Ok, sender, traceparent));
        var channel = RedisChannel.Literal(Channels.Slot(topic));
        var state = (Subscriber: _subscriber, Channel: channel, Payload: payload, Abandon: cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var limit = wait ?? RedisPrimary.DefaultWait;
        if (await _primary.RunAsync(state, PublishSignalAsync, limit) > 0 || !_primary.Settling) return sender;

        var left = limit - Stopwatch.GetElapsedTime(started);
        if (left <= TimeSpan.Zero) return sender;
        using var stop = new CancellationTokenSource(left);
        while (!stop.IsCancellationRequested && _primary.Settling)
        {
            try
            {
                await Task.Delay(SignalAgainPause, stop.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (await _primary.RunAsync(state, PublishSignalAsync, stop.Token) > 0) break;
        }
        return sender;
    }

    private static Task<long> PublishSignalAsync((ISubscriber Subscriber, RedisChannel Channel, byte[] Payload, CancellationToken Abandon) state)
    {
        state.Abandon.ThrowIfCancellationRequested();
        return state.Subscriber.PublishAsync(state.Channel, state.Payload, RedisPrimary.Only);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        Task? start;
        lock (_startGate) start = _start;
        foreach (var pending in _pending.Values) pending.TrySetException(new ObjectDisposedException(nameof(Requester)));
        if (start is { IsCompletedSuccessfully: true })
        {
            try
            {
                _primary.Unfollow(_replies);
                await _subscriber.UnsubscribeAsync(_replies, _onReply);
            }
            catch (RedisException)
            {
                // Redis is gone: the pattern went with the connection, and the handler is removed locally anyway.
            }
        }
    }

    private async Task SubscribeRepliesAsync()
    {
        try
        {
            await _subscriber.SubscribeAsync(_replies, _onReply, RedisPrimary.Only);
            _primary.Follow(_replies);
        }
        catch
        {
            // StackExchange.Redis may keep a handler whose PSUBSCRIBE failed; the retry must not add it twice.
            try
            {
                await _subscriber.UnsubscribeAsync(_replies, _onReply, CommandFlags.FireAndForget);
            }
            catch (RedisException)
            {
                // Nothing reached the server either.
            }
            throw;
        }
    }

    // Runs on StackExchange.Redis's delivery path: only a dictionary lookup and a decode, never a wait.
    private void OnReply(RedisChannel channel, RedisValue payload)
    {
        var name = channel.ToString();
        if (name.Length <= Channels.ResponsePrefix.Length) return;
        // A reply that arrives after its request timed out finds nothing and is dropped.
        if (!_pendingBySpan.TryGetValue(name.AsSpan(Channels.ResponsePrefix.Length), out var reply)) return;
        var message = MessageCodec.Decode((ReadOnlyMemory<byte>)payload);
        // A reply without a code is a bare value (Ruby may publish one): its data is the answer.
        reply.TrySetResult(new Reply(message.Data, message.Code ?? Codes.Ok));
    }

    private static Reply NoSubscriber(string topic) =>
        new(JsonSerializer.SerializeToElement(Codes.NoSubscriberText + topic, Json.GilmourJson.Default.String), Codes.NoSubscriber)
        {
            IsLocal = true,
        };
}
