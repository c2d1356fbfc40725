using System.Collections.Concurrent;
using Gilmour.ControlApi.Errors;
using Gilmour.Registry;
using Gilmour.Streaming;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gilmour.ControlApi.Connections;

/// <summary>
/// The node streams this replica holds open. It closes them when their node is deleted (registry announcements) and
/// when the process stops (before the server waits for requests to finish: a stream never finishes on its own).
/// </summary>
public sealed partial class OpenStreams : IAsyncDisposable
{
    private readonly IConnectionMultiplexer _redis;
    private readonly NodeRegistry _registry;
    private readonly RegistryChanges _changes;
    private readonly StreamLeases _leases;
    private readonly StreamNodeStatus _status;
    private readonly ControlApiOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger<OpenStreams> _logger;
    private readonly ConcurrentDictionary<NodeStream, byte> _open = new();
    private readonly CancellationTokenRegistration _onStopping;
    private readonly Lock _gate = new();
    private readonly CancellationToken _stopping;
    private Task<IAsyncDisposable>? _following;

    public OpenStreams(IConnectionMultiplexer redis, NodeRegistry registry, RegistryChanges changes, StreamNodeStatus status,
        IOptions<ControlApiOptions> options, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        _redis = redis;
        _registry = registry;
        _changes = changes;
        _leases = new StreamLeases(redis);
        _status = status;
        _options = options.Value;
        _loggers = loggers;
        _logger = loggers.CreateLogger<OpenStreams>();
        _stopping = lifetime.ApplicationStopping;
        _onStopping = _stopping.Register(static state => ((OpenStreams)state!).CloseAll(StreamCloseReason.ShuttingDown), this);
    }

    /// <summary>Opens a stream for <paramref name="node"/> (see <see cref="NodeStream.OpenAsync"/>); pair with <see cref="CloseAsync"/>.</summary>
    /// <exception cref="ShuttingDownException">this replica is stopping.</exception>
    public async Task<NodeStream> OpenAsync(Node node, CancellationToken aborted)
    {
        if (_stopping.IsCancellationRequested) throw new ShuttingDownException();
        await FollowDeletionsAsync();
        var stream = new NodeStream(node.Id, _redis, _leases, _status, _registry, _options, _loggers.CreateLogger<NodeStream>());
        _open.TryAdd(stream, 0);
        try
        {
            await stream.OpenAsync(aborted);
        }
        catch
        {
            await CloseAsync(stream);
            throw;
        }
        // Stopping began while it opened: it closes as soon as it runs.
        if (_stopping.IsCancellationRequested) stream.Close(StreamCloseReason.ShuttingDown);
        return stream;
    }

    public async Task CloseAsync(NodeStream stream)
    {
        _open.TryRemove(stream, out _);
        await stream.ReleaseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _onStopping.DisposeAsync();
        Task<IAsyncDisposable>? following;
        lock (_gate) following = _following;
        if (following is { IsCompletedSuccessfully: true }) await following.Result.DisposeAsync();
    }

    private Task FollowDeletionsAsync()
    {
        lock (_gate)
        {
            if (_following is null || _following.IsFaulted || _following.IsCanceled)
                _following = _changes.SubscribeAsync(change =>
                {
                    if (change.Kind != RegistryChange.Removed) return;
                    foreach (var stream in _open.Keys)
                        if (stream.NodeId == change.Id) stream.Close(StreamCloseReason.Deleted);
                });
            return _following;
        }
    }

    private void CloseAll(StreamCloseReason reason)
    {
        var count = 0;
        foreach (var stream in _open.Keys)
        {
            stream.Close(reason);
            count++;
        }
        if (count > 0) LogClosingAll(count, reason.Reason);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing {Count} node streams ({Reason})")]
    private partial void LogClosingAll(int count, string reason);
}
