using Gilmour.ControlApi.Messaging;
using Gilmour.Registry;
using Gilmour.Requests;

namespace Gilmour.ControlApi.Lifecycle;

/// <summary>
/// Opens, at boot, the long-lived subscriptions of this service: the requester's reply pattern (so the first
/// POST /request pays no SUBSCRIBE round trip), the dispatchers' acknowledgements (so no acknowledgement can
/// slip by between a registry write and the wait for it), and the registry's announcements that keep the publishing
/// nodes' cached statuses true. Redis may be late at boot: keep trying rather than fail
/// the host. Until then the requester and the acknowledgements subscribe on first use, and the status cache reads
/// the registry on every call.
/// </summary>
public sealed class RedisSubscriptionsStartup(
    Requester requester, AppliedRevisions applied, NodeStatusCache statuses, ILogger<RedisSubscriptionsStartup> log)
    : BackgroundService
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await Task.WhenAll(requester.StartAsync(stoppingToken), applied.StartAsync(stoppingToken), statuses.StartAsync());
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                log.LogWarning(e, "Redis subscriptions not open yet; retrying in {Delay}", delay);
                await Task.Delay(delay, stoppingToken);
                delay = delay * 2 < MaxDelay ? delay * 2 : MaxDelay;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await applied.StopAsync(cancellationToken);
        await statuses.DisposeAsync();
        // Kestrel has drained the requests by now. Closing the reply subscription here, not when the container is
        // disposed, runs it while the Redis tracing instrumentation still lives: disposed first, it throws.
        await requester.DisposeAsync();
    }
}
