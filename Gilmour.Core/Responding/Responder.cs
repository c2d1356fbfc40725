using System.Collections.Concurrent;
using System.Text.Json;
using Gilmour.Errors;
using Gilmour.Failover;
using Gilmour.Health;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Requests;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Gilmour.Responding;

/// <summary>
/// The responding side of one Gilmour process: its reply handlers (exclusion group mandatory, no wildcard,
/// one handler per topic+group) and slots (wildcards allowed, group optional), its health ident, its error
/// reports. Messages are handled concurrently; the exclusion lock is taken before a grouped handler runs.
/// </summary>
/// <remarks>
/// Several Responders may share one multiplexer and subscribe the same channel (two proxied nodes serving one
/// topic): each gets every message, and each unsubscribes only its own handlers.
/// </remarks>
public sealed class Responder : IAsyncDisposable
{
    private static readonly TimeSpan HealthAnswerTimeout = TimeSpan.FromSeconds(30);

    private readonly ResponderOptions _options;
    private readonly ErrorReporter _errors;
    private readonly ConcurrentDictionary<ResponderSubscription, byte> _subscriptions = new();
    private readonly ConcurrentDictionary<(string Channel, string Group), ReplySubscription> _replies = new();
    private readonly Lock _gate = new();
    private Task? _start;
    private Task? _stop;

    public Responder(IConnectionMultiplexer redis, ResponderOptions? options = null)
        : this(redis, options, null)
    {
    }

    public Responder(IConnectionMultiplexer redis, ResponderOptions? options, ILogger? logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _options = options ?? new ResponderOptions();
        Ident = _options.Ident ?? HealthIdent.New();
        Database = redis.GetDatabase();
        Subscriber = redis.GetSubscriber();
        Primary = RedisPrimary.Of(redis);
        Logger = logger ?? NullLogger.Instance;
        _errors = new ErrorReporter(redis, _options.ErrorPolicy);
    }

    public string Ident { get; }

    /// <summary>Topics subscribed now, as health pings report them.</summary>
    /// <remarks>Full channel names (<c>gilmour.request.x</c>, <c>gilmour.slot.y.*</c>) without the health and reply
    /// channels, as Go answers.</remarks>
    public IReadOnlyCollection<string> Topics
    {
        get
        {
            var topics = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var subscription in _subscriptions.Keys)
            {
                var channel = subscription.Channel;
                if (!channel.StartsWith(Channels.HealthPrefix, StringComparison.Ordinal)
                    && !channel.StartsWith(Channels.ResponsePrefix, StringComparison.Ordinal))
                    topics.Add(channel);
            }
            return topics;
        }
    }

    internal IDatabase Database { get; }

    internal ISubscriber Subscriber { get; }

    internal RedisPrimary Primary { get; }

    internal ILogger Logger { get; }

    private bool Stopping => Volatile.Read(ref _stop) is not null;

    /// <summary>Registers the health ident (per options) and answers health pings.</summary>
    public Task StartAsync()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Stopping, this);
            // A failed start (Redis unreachable) may be tried again.
            if (_start is null || _start.IsFaulted || _start.IsCanceled) _start = StartCoreAsync();
            return _start;
        }
    }

    /// <summary>Subscribes a reply handler. Disposing the result unsubscribes it (in-flight handlers finish).</summary>
    /// <exception cref="ArgumentException">empty topic or group, or a wildcard topic.</exception>
    /// <exception cref="InvalidOperationException">this process already has a handler for topic+group.</exception>
    public async Task<IAsyncDisposable> ReplyAsync(string topic, string group, ReplyHandler handler, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(group);
        ArgumentNullException.ThrowIfNull(handler);
        if (Channels.IsPattern(topic))
            throw new ArgumentException($"a reply handler cannot subscribe a wildcard topic ('{topic}'): only slots may", nameof(topic));
        Timeouts.ThrowIfInvalid(timeout, nameof(timeout));

        var subscription = new ReplySubscription(this, Channels.Request(topic), group, handler, timeout);
        if (!_replies.TryAdd((subscription.Channel, group), subscription))
            throw new InvalidOperationException($"this process already has a reply handler for '{topic}' in exclusion group '{group}'");
        return await AddAsync(subscription);
    }

    /// <summary>Subscribes a slot (PSUBSCRIBE when the topic contains '*'). Disposing the result unsubscribes it.</summary>
    /// <remarks>A null or blank group means no exclusion group: every slot runs (Go treats "" the same way).</remarks>
    /// <exception cref="ArgumentException">empty topic.</exception>
    public async Task<IAsyncDisposable> SlotAsync(string topic, string? group, SlotHandler handler, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(handler);
        Timeouts.ThrowIfInvalid(timeout, nameof(timeout));
        var exclusionGroup = string.IsNullOrWhiteSpace(group) ? null : group;
        return await AddAsync(new SlotSubscription(this, Channels.Slot(topic), exclusionGroup, handler, timeout));
    }

    /// <summary>Unsubscribes everything, unregisters the ident (per options); in-flight handlers finish.</summary>
    public Task StopAsync()
    {
        lock (_gate) return _stop ??= StopCoreAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    /// <summary>Called by a grouped subscription that lost the exclusion lock: tells <see cref="ResponderOptions.LockLost"/>.</summary>
    internal void OnLockLost(IncomingMessage incoming, string group) => _options.LockLost?.Invoke(incoming, group);

    /// <summary>Reports a failure per the error policy; a failing report is logged, never thrown.</summary>
    internal async Task ReportAsync(ErrorReport report)
    {
        try
        {
            await _errors.ReportAsync(report);
        }
        catch (Exception failure) when (failure is RedisException or TimeoutException)
        {
            ResponderLog.ReportFailed(Logger, failure, report.Code, report.Topic, report.Sender);
        }
    }

    /// <summary>Called by a subscription being disposed.</summary>
    internal void Forget(ResponderSubscription subscription)
    {
        _subscriptions.TryRemove(subscription, out _);
        if (subscription is ReplySubscription reply)
            _replies.TryRemove(KeyValuePair.Create((reply.Channel, reply.ExclusionGroup), reply));
    }

    private async Task<IAsyncDisposable> AddAsync(ResponderSubscription subscription)
    {
        _subscriptions.TryAdd(subscription, 0);
        try
        {
            ObjectDisposedException.ThrowIf(Stopping, this);
            await subscription.SubscribeAsync();
        }
        catch
        {
            Forget(subscription);
            throw;
        }
        // StopAsync ran while SUBSCRIBE was on its way and may not have seen this one.
        if (Stopping)
        {
            await subscription.DisposeAsync();
            throw new ObjectDisposedException(nameof(Responder));
        }
        return subscription;
    }

    private async Task StartCoreAsync()
    {
        if (_options.AnswerHealth && !_replies.ContainsKey((Channels.Health(Ident), Channels.HealthGroup)))
            await ReplyAsync(Channels.Health(Ident), Channels.HealthGroup, AnswerHealthAsync, HealthAnswerTimeout);
        // Registered once it answers, so a monitor never pings an ident that cannot reply yet.
        if (_options.RegisterIdent) await Primary.RunAsync(this, static self => HealthIdent.RegisterAsync(self.Database, self.Ident));
    }

    private async Task StopCoreAsync()
    {
        Task? start;
        lock (_gate) start = _start;
        if (_options.RegisterIdent && start is not null)
        {
            try
            {
                // A registration still on its way would otherwise land after the HDEL and stay.
                await start;
            }
            catch (Exception failure) when (failure is RedisException or TimeoutException)
            {
                // It did not register; the HDEL below is harmless.
            }
            // Unregistered first: monitors stop pinging before the health subscription goes.
            try
            {
                await Primary.RunAsync(this, static self => HealthIdent.UnregisterAsync(self.Database, self.Ident));
            }
            catch (Exception failure) when (failure is RedisException or TimeoutException)
            {
                ResponderLog.UnregisterFailed(Logger, failure, Ident);
            }
        }
        var disposals = new List<Task>();
        foreach (var subscription in _subscriptions.Keys) disposals.Add(subscription.DisposeAsync().AsTask());
        await Task.WhenAll(disposals);
    }

    private Task<Reply> AnswerHealthAsync(IncomingMessage ping, CancellationToken timeout)
    {
        var topics = Topics.ToArray();
        return Task.FromResult(new Reply(JsonSerializer.SerializeToElement(topics, GilmourJson.Default.StringArray), Codes.Ok));
    }
}
