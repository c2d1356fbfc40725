using Gilmour.Registry;
using Microsoft.Extensions.Options;

namespace Gilmour.Dispatcher;

/// <summary>
/// Keeps <see cref="NodeSubscriptions"/> following the registry: reacts to every announcement at once, and
/// re-applies every node each <see cref="DispatcherOptions.ReconcileSeconds"/> so a missed announcement (Redis
/// outage, dispatcher restart) heals. On shutdown, drains every node.
/// </summary>
public sealed partial class RegistryFollower(
    RegistryChanges changes,
    NodeSubscriptions subscriptions,
    IOptions<DispatcherOptions> options,
    ILogger<RegistryFollower> logger) : BackgroundService
{
    private readonly RegistryChanges _changes = changes;
    private readonly NodeSubscriptions _subscriptions = subscriptions;
    private readonly TimeSpan _interval = options.Value.ReconcileInterval;
    private readonly ILogger<RegistryFollower> _logger = logger;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Announcements first, the full load after: a change committed between the two is then seen by one
            // of them, never by neither.
            await using var announcements = await FollowAnnouncementsAsync(stoppingToken);
            using var timer = new PeriodicTimer(_interval);
            do await ReconcileAsync(stoppingToken);
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await _subscriptions.StopAsync(cancellationToken);
        LogStopped(_subscriptions.Name);
    }

    private async Task<IAsyncDisposable> FollowAnnouncementsAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                // The callback runs announcements one at a time: applying is handed off so that a node whose
                // in-flight deliveries are draining does not hold up the others.
                var subscription = await _changes.SubscribeAsync(change => Observe(_subscriptions.OnChangeAsync(change), change.Id));
                LogFollowing(_subscriptions.Name);
                return subscription;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNotFollowing(e);
                await Task.Delay(_interval, stoppingToken);
            }
        }
    }

    private async Task ReconcileAsync(CancellationToken stoppingToken)
    {
        var round = _subscriptions.ReconcileAllAsync();
        // A node going off the bus waits for its running deliveries (up to their timeouts): the next round must not
        // wait behind it. Applies of that node coalesce meanwhile, so rounds do not pile up.
        await Task.WhenAny(round, Task.Delay(_interval, stoppingToken));
        _ = round.ContinueWith(static (task, state) => ((RegistryFollower)state!).LogReconcileFailed(task.Exception!.GetBaseException()),
            this, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private void Observe(Task apply, string nodeId) =>
        apply.ContinueWith(static (task, state) =>
        {
            var (self, id) = ((RegistryFollower, string))state!;
            self.LogApplyFailed(task.Exception!.GetBaseException(), id);
        }, (this, nodeId), CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatcher {Dispatcher} follows the registry")]
    private partial void LogFollowing(string dispatcher);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dispatcher {Dispatcher} stopped; every node drained")]
    private partial void LogStopped(string dispatcher);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot follow registry announcements yet; retrying")]
    private partial void LogNotFollowing(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reconciliation failed; retrying at the next interval")]
    private partial void LogReconcileFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Applying node {NodeId} failed; the next reconciliation retries")]
    private partial void LogApplyFailed(Exception exception, string nodeId);
}
