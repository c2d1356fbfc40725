using Gilmour.Registry;
using Microsoft.Extensions.Options;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Every interval, while this replica holds the lease (<see cref="HealthMonitorLeaseRenewal"/> keeps it): probe every
/// callback node that is not dirty, concurrently, and write the status changes to the registry (which announces them,
/// so the Dispatcher reacts at once); remove the nodes dirty for too long (<see cref="DirtyNodeExpiry"/>); check that
/// every ok stream node's stream still holds its lease (<see cref="StreamLeaseCheck"/>). Senders (transport none) are
/// never probed.
/// </summary>
public sealed partial class HealthProbeLoop(
    NodeRegistry registry,
    HealthProbe probe,
    DirtyNodeExpiry expiry,
    StreamLeaseCheck streams,
    HealthMonitorLease lease,
    HealthTelemetry telemetry,
    IOptions<HealthMonitorOptions> options,
    ILogger<HealthProbeLoop> logger) : BackgroundService
{
    private static readonly Func<ILogger, string, IDisposable?> NodeScope = LoggerMessage.DefineScope<string>("NodeId:{NodeId}");

    private readonly NodeRegistry _registry = registry;
    private readonly HealthProbe _probe = probe;
    private readonly DirtyNodeExpiry _expiry = expiry;
    private readonly HealthMonitorLease _lease = lease;
    private readonly HealthTelemetry _telemetry = telemetry;
    private readonly HealthMonitorOptions _options = options.Value;
    private readonly ILogger<HealthProbeLoop> _logger = logger;
    private readonly HealthVerdict _verdict = new(options.Value.FailureThreshold);
    private long _term;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // A standby waits here; once the renewal takes the lease, the first round runs at once.
                await _lease.WaitHeldAsync(stoppingToken);
                var started = TimeProvider.System.GetTimestamp();
                await RunRoundAsync(stoppingToken);
                var rest = _options.Interval - TimeProvider.System.GetElapsedTime(started);
                if (rest > TimeSpan.Zero) await Task.Delay(rest, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunRoundAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Failure counts belong to one unbroken term: another replica may have probed in between.
            if (_lease.Term != _term)
            {
                _term = _lease.Term;
                _verdict.Reset();
            }

            var nodes = await _registry.ListAsync();
            _telemetry.Observed(nodes);
            var probed = new HashSet<string>(nodes.Count);
            var probes = new List<Task>(nodes.Count);
            var openStreams = new List<Node>();
            foreach (var node in nodes)
            {
                if (node.Status == NodeStatus.Dirty)
                {
                    probes.Add(_expiry.ExpireAsync(node));
                    continue;
                }
                // Only callback nodes have a health check; a stream node is alive while its stream is, a sender always.
                if (node.Transport == NodeTransport.Stream && node.Status == NodeStatus.Ok) openStreams.Add(node);
                if (node.Transport != NodeTransport.Callback) continue;
                probed.Add(node.Id);
                probes.Add(ProbeAsync(node, stoppingToken));
            }
            _verdict.Retain(probed);
            probes.Add(streams.CheckAsync(openStreams));
            await Task.WhenAll(probes);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Redis briefly away, a registry write that lost too many races: the next round tries again.
            LogRoundFailed(e);
        }
    }

    private async Task ProbeAsync(Node node, CancellationToken stoppingToken)
    {
        using var scope = NodeScope(_logger, node.Id);
        var outcome = await _probe.ProbeAsync(node, stoppingToken);
        var status = _verdict.Judge(node, outcome);
        if (outcome.Result != ProbeResult.Healthy)
        {
            _telemetry.ProbeFailed(node.Id, outcome.Result);
            LogProbeFailed(node.Id, outcome.Detail);
        }
        if (status == node.Status) return;

        // Only the revision that was probed may be overwritten: a node activated or changed meanwhile keeps what
        // it has now, and the next round judges it afresh.
        var written = false;
        var stored = await _registry.UpdateAsync(node.Id, current =>
        {
            written = current.Revision == node.Revision;
            return written ? current with { Status = status } : null;
        });
        if (written && stored is not null) LogStatusChanged(node.Id, node.Status.ToWire(), status.ToWire(), outcome.Detail);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} went from {From} to {To}: health check {Detail}")]
    private partial void LogStatusChanged(string nodeId, string from, string to, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Health check of node {NodeId} failed: {Detail}")]
    private partial void LogProbeFailed(string nodeId, string detail);



    [LoggerMessage(Level = LogLevel.Warning, Message = "Probe round failed; retrying at the next interval")]
    private partial void LogRoundFailed(Exception exception);

}
