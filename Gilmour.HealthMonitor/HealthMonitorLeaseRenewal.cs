using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Asks for the probing lease every <see cref="HealthMonitorOptions.LeaseRenewal"/>, apart from the probe rounds: the
/// holder keeps it even when a round runs long, and a standby takes it over within one interval of the holder's death.
/// On shutdown the lease is given up so a standby need not wait for it to expire.
/// </summary>
public sealed partial class HealthMonitorLeaseRenewal(
    HealthMonitorLease lease,
    HealthTelemetry telemetry,
    IOptions<HealthMonitorOptions> options,
    ILogger<HealthMonitorLeaseRenewal> logger) : BackgroundService
{
    private readonly HealthMonitorLease _lease = lease;
    private readonly HealthTelemetry _telemetry = telemetry;
    private readonly TimeSpan _period = options.Value.LeaseRenewal;
    private readonly ILogger<HealthMonitorLeaseRenewal> _logger = logger;
    private bool _leading;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_period);
        try
        {
            do await RenewAsync();
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await _lease.ReleaseAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReleaseFailed(e);
        }
    }

    private async Task RenewAsync()
    {
        try
        {
            await _lease.TryHoldAsync();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Redis away: the lease stays this replica's until its lifetime runs out (IsHeld says so), no longer.
            LogRenewalFailed(e);
        }
        var held = _lease.IsHeld;
        if (held == _leading) return;
        _leading = held;
        if (held)
        {
            LogTaken(_lease.Holder);
        }
        else
        {
            _telemetry.Stopped();
            LogLost(_lease.Holder);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This replica ({Holder}) now probes the nodes")]
    private partial void LogTaken(string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This replica ({Holder}) no longer holds the probing lease")]
    private partial void LogLost(string holder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the probing lease; it is held until it expires")]
    private partial void LogRenewalFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release the probing lease; it expires by itself")]
    private partial void LogReleaseFailed(Exception exception);
}
