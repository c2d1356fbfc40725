using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gilmour.ServiceDefaults;

/// <summary>
/// Once the service's multiplexer first connects, checks that the deployment is one the services can run on
/// (<see cref="RedisDeployment"/>); if not, logs the reason in one line and stops the service with exit code 1.
/// Also warns when the connection names one server that Sentinels watch directly: such a service cannot follow a
/// failover unless the address itself moves to the new primary (a proxy, a managed endpoint).
/// </summary>
public sealed partial class RedisDeploymentCheck(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<RedisDeploymentCheck> logger)
    : BackgroundService
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Not resolved in the constructor: resolving it connects, which must not hold up the host's start.
            await Task.Yield();
            if (services.GetService<IConnectionMultiplexer>() is not { } redis) return;
            var options = ConfigurationOptions.Parse(redis.Configuration);
            var sentinel = !string.IsNullOrEmpty(options.ServiceName);
            while (true)
            {
                // Connected means the connect's configuration round (which tells a cluster from a standalone server) is
                // over. A Sentinel taken for a server never connects (it knows none of the commands a connection
                // starts with), but its handshake already told what it is.
                var servers = redis.GetServers()
                    .Where(s => redis.IsConnected ? s.IsConnected : s.ServerType == ServerType.Sentinel).ToArray();
                if (servers.Length > 0)
                {
                    var found = servers.Select(s => (s.ServerType, s.IsReplica, s.EndPoint.ToString() ?? "")).ToArray();
                    if (RedisDeployment.Refusal(found, sentinel, options.EndPoints.Count) is { } refusal)
                    {
                        LogRefused(refusal);
                        Environment.ExitCode = 1;
                        lifetime.StopApplication();
                        return;
                    }
                    if (!sentinel && options.EndPoints.Count == 1) await WarnIfSentinelWatchesAsync(redis, servers[0]);
                    return;
                }
                await Task.Delay(Poll, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The check is advice; Redis failing under it is reported by /health.
            LogCheckFailed(e);
        }
    }

    private async Task WarnIfSentinelWatchesAsync(IConnectionMultiplexer redis, IServer server)
    {
        // Every Sentinel subscribes to this channel on each server it watches.
        var numsub = (RedisResult[])(await redis.GetDatabase().ExecuteAsync("PUBSUB", ["NUMSUB", "__sentinel__:hello"], CommandFlags.DemandMaster))!;
        if ((long)numsub[1] > 0) LogSentinelWatches(server.EndPoint.ToString() ?? "");
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "Stopping: {Reason}")]
    private partial void LogRefused(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis at {EndPoint} is watched by Sentinels, but ConnectionStrings:redis names it directly: "
        + "unless that address moves to the new primary (a proxy, a managed endpoint), this service will not follow a failover; "
        + "name the Sentinels instead (host:port,host:port,serviceName=<name>)")]
    private partial void LogSentinelWatches(string endPoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check which kind of Redis deployment this is")]
    private partial void LogCheckFailed(Exception exception);
}
