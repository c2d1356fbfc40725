using System.Net.Sockets;
using Gilmour.Registry;
using Microsoft.Extensions.Options;

namespace Gilmour.HealthMonitor;

/// <summary>One GET of a node's health_check, classified as the node health table of docs/design.md reads it.</summary>
public sealed class HealthProbe(IHttpClientFactory httpClients, IOptions<HealthMonitorOptions> options)
{
    private readonly IHttpClientFactory _httpClients = httpClients;
    private readonly TimeSpan _timeout = options.Value.ProbeTimeout;

    public async Task<ProbeOutcome> ProbeAsync(Node node, CancellationToken cancellationToken)
    {
        var http = _httpClients.CreateClient(HealthMonitorHosting.ProbeClient);
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(_timeout);
        try
        {
            // Headers are enough to judge; the body of a health check is not read.
            using var response = await http.GetAsync(node.Address(node.HealthCheck), HttpCompletionOption.ResponseHeadersRead, probe.Token);
            return response.IsSuccessStatusCode
                ? new ProbeOutcome(ProbeResult.Healthy, $"answered {(int)response.StatusCode}")
                : new ProbeOutcome(ProbeResult.Failed, $"answered {(int)response.StatusCode}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new ProbeOutcome(ProbeResult.Failed, $"no answer within {_timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e) when (IsConnectionRefused(e))
        {
            return new ProbeOutcome(ProbeResult.Refused, e.Message);
        }
        catch (HttpRequestException e)
        {
            return new ProbeOutcome(ProbeResult.Failed, e.Message);
        }
    }

    private static bool IsConnectionRefused(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused }) return true;
        return false;
    }
}
