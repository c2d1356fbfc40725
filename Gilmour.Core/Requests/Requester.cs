using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
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
/// subscribers, so they see a listener. StackExchange.Redis re-issues the PSUBSCRIBE after a reconnect.
/// Thread-safe; meant to live as long as the process.
/// </remarks>
public sealed class Requester : IAsyncDisposable
{
    private static readonly Reply TimedOut = new(JsonSerializer.SerializeToElement(Codes.TimedOutText, Json.GilmourJson.Default.String), Codes.TimedOut)
    {
        IsLocal = true,
    };

    private readonly ISubscriber _subscriber;
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
    /// </summary>
    /// <remarks>A reply without a code (a bare value a Ruby peer may publish) counts as 200.</remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    /// <exception cref="RedisException">Redis could not be reached to publish the request.</exception>
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
            var publish = _publish.PublishAsync(Channels.Request(topic), payload);
            // While Redis is unreachable PUBLISH waits in StackExchange.Redis's backlog: the request's own timeout
            // and its caller's cancellation still end it on time.
            if (await Task.WhenAny(publish, reply.Task) == publish)
            {
                if (await publish <= 0) return NoSubscriber(topic);
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
    /// <remarks>A signal nobody listens to is not an error (Go and Ruby do not check either).</remarks>
    public async Task<string> SignalAsync(string topic, JsonElement data,
        CancellationToken cancellationToken = default, string? traceparent = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        var sender = NewSender();
        var payload = MessageCodec.Encode(new Message(data, Codes.Ok, sender, traceparent));
        await _subscriber.PublishAsync(RedisChannel.Literal(Channels.Slot(topic)), payload);
        return sender;
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
            await _subscriber.SubscribeAsync(_replies, _onReply);
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
        var message = MessageCodec.Decode(((ReadOnlyMemory<byte>)payload).Span);
        // A reply without a code is a bare value (Ruby may publish one): its data is the answer.
        reply.TrySetResult(new Reply(message.Data, message.Code ?? Codes.Ok));
    }

    private static Reply NoSubscriber(string topic) =>
        new(JsonSerializer.SerializeToElement(Codes.NoSubscriberText + topic, Json.GilmourJson.Default.String), Codes.NoSubscriber)
        {
            IsLocal = true,
        };
}
