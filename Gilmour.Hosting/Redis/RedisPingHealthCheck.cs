using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gilmour.Hosting.Redis;

/// <summary>
/// Healthy when the server at the endpoint answers PING with PONG. Speaks RESP over a plain socket, so it works the
/// same for redis-server and Garnet and needs no client library in the app host.
/// </summary>
public sealed class RedisPingHealthCheck(EndpointReference endpoint) : IHealthCheck
{
    private static readonly byte[] Ping = "PING\r\n"u8.ToArray();

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!endpoint.IsAllocated) return HealthCheckResult.Unhealthy("endpoint not allocated yet");
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(RedisBackbone.Loopback, endpoint.Port, cancellationToken);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Ping, cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAtLeastAsync(buffer, 7, throwOnEndOfStream: false, cancellationToken);
            var answer = System.Text.Encoding.ASCII.GetString(buffer, 0, read);
            return answer.StartsWith("+PONG", StringComparison.Ordinal)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"PING answered '{answer.TrimEnd()}'");
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return HealthCheckResult.Unhealthy($"no Redis answer on port {endpoint.Port}", e);
        }
    }
}
