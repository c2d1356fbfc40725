using System.Net.Sockets;
using Gilmour.ControlApi.Errors;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Registration;

/// <summary>
/// The health pre-check of a registration or re-activation: one GET of the node's health_check, answered 2xx
/// within HealthCheckTimeoutSeconds, or <see cref="HealthCheckFailedException"/>. Its HttpClient has no retry handler
/// (a failing node must fail fast) and follows no redirect (a node may not bounce the proxy elsewhere).
/// </summary>
public sealed class NodeHealthCheck(HttpClient http, IOptions<ControlApiOptions> options)
{
    private readonly TimeSpan _timeout = options.Value.HealthCheckTimeout;

    public async Task CheckAsync(Uri address, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, address);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            if (!response.IsSuccessStatusCode)
                throw new HealthCheckFailedException(address, $"it answered {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new HealthCheckFailedException(address, $"no answer within {_timeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
        {
            var mismatch = await LoopbackFamily.MismatchAsync(address, cancellationToken);
            throw new HealthCheckFailedException(address, "connection refused (nothing listens on the port)" + (mismatch is null ? "" : "; " + mismatch));
        }
        catch (HttpRequestException e)
        {
            throw new HealthCheckFailedException(address, e.Message);
        }
    }
}
