using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Threading.Channels;
using Gilmour.ControlApi.Errors;
using Gilmour.Registry;
using Gilmour.Streaming;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using StackExchange.Redis;

namespace Gilmour.ControlApi.Connections;

/// <summary>
/// One open <c>GET /nodes/{id}/stream</c>: this replica's subscription to the node's stream channel, the stream's
/// lease, and the Server-Sent Events written down the connection (<c>ready</c>, the deliveries, keepalives,
/// <c>close</c>).
/// </summary>
/// <remarks>
/// <para>
/// Takeover: a stream subscribes first, then takes the lease and announces itself on the channel in one step
/// (<see cref="StreamLeases.TakeAsync"/>). Every subscriber sees the channel's messages in the one order Redis
/// published them, so a stream writes exactly the deliveries between its own announcement and the next one, and two
/// streams of one node (on one replica or two) never both write a delivery. A replaced stream hands the deliveries it
/// had not written yet back to the channel, behind the announcement, for its successor.
/// </para>
/// <para>
/// Flow control: deliveries wait in memory only up to <see cref="ControlApiOptions.StreamBufferBytes"/>, and a write
/// that stays blocked past <see cref="ControlApiOptions.StreamStallSeconds"/> (the node stopped reading) closes the
/// stream as too slow; the node then goes unavailable and its deliveries in flight end at once (502).
/// </para>
/// </remarks>
public sealed partial class NodeStream
{
    private const int BatchBytes = 64 * 1024;
    private static readonly byte[] Keepalive = ": keepalive\n\n"u8.ToArray();

    /// <summary>Kestrel's default minimum, for the end of a stream that had none while open.</summary>
    private static readonly MinDataRate ClosingDataRate = new(240, TimeSpan.FromSeconds(5));

    private readonly IConnectionMultiplexer _redis;
    private readonly StreamLeases _leases;
    private readonly StreamNodeStatus _status;
    private readonly NodeRegistry _registry;
    private readonly ControlApiOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Outgoing> _outgoing = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private ChannelMessageQueue? _frames;
    private PipeWriter? _pipe;
    private StreamCloseReason? _closing;
    private bool _current;
    private long _queuedBytes;
    private long _flushStartedAt;
    private long _lastWriteAt = Stopwatch.GetTimestamp();

    public NodeStream(string nodeId, IConnectionMultiplexer redis, StreamLeases leases, StreamNodeStatus status, NodeRegistry registry,
        ControlApiOptions options, ILogger logger)
    {
        NodeId = nodeId;
        _redis = redis;
        _leases = leases;
        _status = status;
        _registry = registry;
        _options = options;
        _logger = logger;
    }

    public string NodeId { get; }

    /// <summary>Random per stream: what the lease holds and the takeover announces.</summary>
    public string StreamId { get; } = StreamDeliveries.NewId();

    /// <summary>Why the stream ends, once something decided it does.</summary>
    public StreamCloseReason? ClosedBy => Volatile.Read(ref _closing);

    /// <summary>
    /// Subscribes the node's stream channel, takes the lease and announces the takeover, writes the node ok, and
    /// waits until a dispatcher made its subscriptions live. Nothing is written to the client yet: a failure here is
    /// still an ordinary error answer.
    /// </summary>
    /// <exception cref="SubscriptionsNotReadyException">no dispatcher acknowledged in time.</exception>
    public async Task OpenAsync(CancellationToken aborted)
    {
        _frames = await _redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(RegistryKeys.StreamChannel(NodeId)));
        _frames.OnMessage(OnFrame);
        await _leases.TakeAsync(NodeId, StreamId, _options.StreamLeaseLifetime);
        if (!await _status.MarkOpenAsync(NodeId, waitForDispatcher: true, aborted))
            throw new SubscriptionsNotReadyException(_options.SubscriptionReadyTimeout);
    }

    /// <summary>Ends the stream (the first reason given wins): the writer stops, tells the node why, and returns.</summary>
    public void Close(StreamCloseReason reason)
    {
        if (Interlocked.CompareExchange(ref _closing, reason, null) is not null) return;
        _outgoing.Writer.TryComplete();
        // A flush blocked by a node that does not read returns now; the writer then notices the close.
        _pipe?.CancelPendingFlush();
    }

    /// <summary>Writes <c>ready</c>, then every delivery, until the stream is closed for a reason or the node goes.</summary>
    public async Task RunAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        // nginx and other reverse proxies would otherwise hold events back to fill their buffers.
        context.Response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        // Kestrel would abort a node that reads slowly on its own terms; this stream has its own bound and says why.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate) rate.MinDataRate = null;
        _pipe = context.Response.BodyWriter;
        using var disconnected = context.RequestAborted.Register(static state => ((NodeStream)state!).Close(StreamCloseReason.Disconnected), this);
        if (ClosedBy is not null) _pipe.CancelPendingFlush();

        var ticking = TickAsync(_stop.Token);
        try
        {
            _pipe.Write(Encoding.UTF8.GetBytes($"event: ready\ndata: {{\"id\":\"{NodeId}\"}}\n\n"));
            if (await FlushAsync()) await WriteDeliveriesAsync();
            await TellWhyAsync(context);
        }
        finally
        {
            await _stop.CancelAsync();
            await ticking;
            _stop.Dispose();
        }
    }

    /// <summary>
    /// After <see cref="RunAsync"/> (or a failed <see cref="OpenAsync"/>): unsubscribes, hands unwritten deliveries to
    /// a successor, gives the lease up, and writes the node unavailable unless another stream holds it now.
    /// </summary>
    public async Task ReleaseAsync()
    {
        Close(StreamCloseReason.Disconnected);
        var reason = ClosedBy!;
        try
        {
            if (_frames is { } frames) await frames.UnsubscribeAsync();
            if (reason == StreamCloseReason.Replaced) await HandOverAsync();
            if (await _leases.ReleaseAsync(NodeId, StreamId) && reason != StreamCloseReason.Deleted)
                await _status.MarkLostAsync(NodeId);
            LogClosed(NodeId, reason.Reason);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The lease lapses on its own and the HealthMonitor marks the node unavailable then.
            LogReleaseFailed(e, NodeId, reason.Reason);
        }
        catch (Exception e) when (e is RegistryConflictException)
        {
            LogReleaseFailed(e, NodeId, reason.Reason);
        }
    }

    // Frames arrive one at a time, in publish order (a ChannelMessageQueue), on StackExchange.Redis's side: no waits.
    private void OnFrame(ChannelMessage message)
    {
        var payload = (ReadOnlyMemory<byte>)message.Message;
        if (!StreamFrame.TryDecode(payload, out var frame)) return;
        if (frame.Kind == StreamFrameKind.Takeover)
        {
            if (frame.Id == StreamId) _current = true;
            else if (_current)
            {
                _current = false;
                Close(StreamCloseReason.Replaced);
            }
            return;
        }
        // Before this stream's takeover its predecessor writes; after a close the node goes off the bus, and the
        // dispatcher ends what it still waits for.
        if (!_current || ClosedBy is not null) return;

        var size = frame.Event.Length;
        var queued = Interlocked.Add(ref _queuedBytes, size);
        if (queued > _options.StreamBufferBytes && queued != size)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            LogTooSlow(NodeId, $"{queued - size} bytes of deliveries already wait to be written");
            Close(StreamCloseReason.TooSlow);
            return;
        }
        if (!_outgoing.Writer.TryWrite(new Outgoing(payload, frame.Event))) Interlocked.Add(ref _queuedBytes, -size);
    }

    private async Task WriteDeliveriesAsync()
    {
        var reader = _outgoing.Reader;
        while (ClosedBy is null && await reader.WaitToReadAsync())
        {
            // Everything waiting goes out in one flush: under load, one write per batch instead of one per delivery.
            var batch = 0;
            while (batch < BatchBytes && ClosedBy is null && reader.TryRead(out var item))
            {
                _pipe!.Write(item.Event.Span);
                batch += item.Event.Length;
                if (!item.Frame.IsEmpty) Interlocked.Add(ref _queuedBytes, -item.Event.Length);
            }
            if (!await FlushAsync()) return;
        }
    }

    /// <returns>False when the stream ends: the node is gone, or the flush was cancelled by a close.</returns>
    private async ValueTask<bool> FlushAsync()
    {
        Volatile.Write(ref _flushStartedAt, Stopwatch.GetTimestamp());
        FlushResult result;
        try
        {
            result = await _pipe!.FlushAsync();
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            Close(StreamCloseReason.Disconnected);
            return false;
        }
        finally
        {
            Volatile.Write(ref _flushStartedAt, 0);
        }
        Volatile.Write(ref _lastWriteAt, Stopwatch.GetTimestamp());
        if (result.IsCompleted) Close(StreamCloseReason.Disconnected);
        return !result.IsCompleted && !result.IsCanceled;
    }

    /// <summary>
    /// Writes <c>event: close</c> when there is someone to tell. A node too slow is cut off all the same (what it has
    /// not read yet is lost with it): its connection holds buffers a node that does not read never frees.
    /// </summary>
    private async Task TellWhyAsync(HttpContext context)
    {
        var reason = ClosedBy ?? StreamCloseReason.Disconnected;
        if (context.RequestAborted.IsCancellationRequested) return;
        // From here on Kestrel's own bound applies again: the end of the response must not wait forever either.
        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate) rate.MinDataRate = ClosingDataRate;
        if (reason.Told && !await FlushCloseAsync(reason) || reason == StreamCloseReason.TooSlow) context.Abort();
    }

    /// <returns>False when the node did not take the event within the bound.</returns>
    private async Task<bool> FlushCloseAsync(StreamCloseReason reason)
    {
        var pipe = _pipe!;
        pipe.Write(reason.Event);
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Min(_options.StreamStallSeconds, 2)));
        using var cancel = bound.Token.Register(static state => ((PipeWriter)state!).CancelPendingFlush(), pipe);
        try
        {
            FlushResult result;
            // A cancellation left over from the close itself ends the first flush at once: flush again until the bound.
            do result = await pipe.FlushAsync();
            while (result.IsCanceled && !bound.IsCancellationRequested);
            return !result.IsCanceled && !result.IsCompleted;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Keepalives when idle, the stall bound, and the lease with its heartbeat.</summary>
    private async Task TickAsync(CancellationToken stop)
    {
        var heartbeat = _options.StreamHeartbeat;
        var stall = _options.StreamStall;
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(20).Ticks, Math.Min(heartbeat.Ticks, stall.Ticks) / 4));
        var renewedAt = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var flushStarted = Volatile.Read(ref _flushStartedAt);
                if (flushStarted != 0 && Stopwatch.GetElapsedTime(flushStarted) > stall)
                {
                    LogTooSlow(NodeId, $"a write stayed blocked for more than {stall.TotalSeconds:0.###} s");
                    Close(StreamCloseReason.TooSlow);
                }
                if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastWriteAt)) >= heartbeat)
                {
                    Volatile.Write(ref _lastWriteAt, Stopwatch.GetTimestamp());
                    _outgoing.Writer.TryWrite(new Outgoing(default, Keepalive));
                }
                if (Stopwatch.GetElapsedTime(renewedAt) >= heartbeat)
                {
                    renewedAt = Stopwatch.GetTimestamp();
                    await RenewAsync(stop);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private async Task RenewAsync(CancellationToken stop)
    {
        try
        {
            var renewal = await _leases.RenewAsync(NodeId, StreamId, _options.StreamLeaseLifetime);
            if (renewal == LeaseRenewal.HeldByAnother)
            {
                Close(StreamCloseReason.Replaced);
                return;
            }
            var node = await _registry.GetAsync(NodeId);
            if (node is null)
            {
                Close(StreamCloseReason.Deleted);
                return;
            }
            // The lease lapsed (Redis was out of reach) and the node may have been written unavailable meanwhile.
            if (renewal == LeaseRenewal.Retaken || node.Status != NodeStatus.Ok)
            {
                LogBackOnBus(NodeId, renewal == LeaseRenewal.Retaken ? "its lease had lapsed" : $"it was {node.Status.ToWire()}");
                await _status.MarkOpenAsync(NodeId, waitForDispatcher: false, stop);
            }
        }
        catch (Exception e) when (e is RedisException or TimeoutException or RegistryConflictException or NodeNotFoundException)
        {
            LogRenewalFailed(e, NodeId);
        }
    }

    private async Task HandOverAsync()
    {
        var subscriber = _redis.GetSubscriber();
        var channel = RedisChannel.Literal(RegistryKeys.StreamChannel(NodeId));
        var handed = 0;
        while (_outgoing.Reader.TryRead(out var item))
        {
            if (item.Frame.IsEmpty) continue;
            await subscriber.PublishAsync(channel, item.Frame);
            handed++;
        }
        if (handed > 0) LogHandedOver(NodeId, handed);
    }

    /// <summary>An event to write: a delivery (with its frame, to hand over) or a keepalive (no frame).</summary>
    private readonly record struct Outgoing(ReadOnlyMemory<byte> Frame, ReadOnlyMemory<byte> Event);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream of node {NodeId} closed ({Reason})")]
    private partial void LogClosed(string nodeId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream of node {NodeId} is too slow: {Detail}")]
    private partial void LogTooSlow(string nodeId, string detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream of node {NodeId} replaced: {Count} deliveries not written yet handed to its successor")]
    private partial void LogHandedOver(string nodeId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream of node {NodeId} is open but {Why}: the node is written ok again")]
    private partial void LogBackOnBus(string nodeId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream of node {NodeId}: renewing its lease failed; retrying at the next heartbeat")]
    private partial void LogRenewalFailed(Exception exception, string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream of node {NodeId} closed ({Reason}), but its lease or status could not be written; the lease lapses on its own")]
    private partial void LogReleaseFailed(Exception exception, string nodeId, string reason);
}
