using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Lifecycle;

/// <summary>
/// On SIGTERM, before Kestrel stops: for <see cref="ControlApiOptions.ShutdownDrainSeconds"/> the API keeps serving,
/// but /health answers 503 (a load balancer stops sending here) and every answer carries <c>Connection: close</c>
/// (a client's next call opens a connection the balancer sends elsewhere). Then Kestrel stops, finishing the
/// requests still in flight.
/// </summary>
/// <remarks>
/// Without it Kestrel closes idle keep-alive connections the moment it stops, and a client that has just written a
/// request on one gets "response ended prematurely": it cannot tell whether the request was taken, so it must not
/// retry a POST, and the call is lost.
/// </remarks>
public sealed partial class ShutdownDrain(IOptions<ControlApiOptions> options, ILogger<ShutdownDrain> logger)
    : IHostedLifecycleService, IHealthCheck
{
    public const string HealthCheckName = "shutdown-drain";

    private readonly TimeSpan _drain = options.Value.ShutdownDrain;
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        LogDraining(_drain.TotalSeconds);
        try
        {
            await Task.Delay(_drain, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout ran out first: stop now.
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_draining
            ? HealthCheckResult.Unhealthy("shutting down: draining connections before the server stops")
            : HealthCheckResult.Healthy());

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopping: /health answers 503 and connections close after each answer for {Seconds} s, then the server stops")]
    private partial void LogDraining(double seconds);
}
