using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Gilmour.ServiceDefaults;

/// <summary>The Redis client every service uses: Aspire's, with the settings a bus service wants.</summary>
public static class GilmourRedisClient
{
    public const string ConnectionName = "redis";

    private const string SettingsSection = "Aspire:StackExchange:Redis";

    /// <summary>Pool threads that start without the pool's injection delay (see <see cref="AddGilmourRedisClient"/>).</summary>
    public const int MinWorkerThreads = 16;

    /// <summary>
    /// Registers the IConnectionMultiplexer (connection string <c>ConnectionStrings:redis</c>: one Redis, or Sentinels
    /// with <c>serviceName=</c>). It starts even when Redis is not up yet and reconnects by itself; a deployment the
    /// services cannot work on (Redis Cluster, Sentinels without a service name) stops the service once it connects
    /// (<see cref="RedisDeploymentCheck"/>). A span per Redis command is off unless
    /// <c>Aspire:StackExchange:Redis:DisableTracing</c> is set to false: every message costs several commands, and
    /// their spans cost more CPU than the rest of its trace while saying little a request's own span does not.
    /// </summary>
    /// <remarks>
    /// Commands fail at once instead of waiting in a backlog when there is no connection to send them on
    /// (<see cref="BacklogPolicy.FailFast"/>), and those in flight on a connection that dies fail with it: the
    /// default backlog parks a command on the connection of the server it chose, and after a failover that server
    /// (the old primary) never comes back, so the command waited its whole timeout while the new primary served.
    /// Gilmour.Core sends such a command again to whichever primary answers next (<c>RedisPrimary</c>). The first
    /// reconnect is tried after 250 ms instead of 2.5 s (a promoted replica drops its clients), backing off to 10 s
    /// for a server that stays away (the old primary remains one of the endpoints after a failover). Aspire's own Redis health check is replaced by
    /// <see cref="RedisConnectivityHealthCheck"/>: it pings every endpoint it was given, and after a failover the
    /// old primary is one of them, so /health would stay unhealthy while the service works.
    /// </remarks>
    public static IHostApplicationBuilder AddGilmourRedisClient(this IHostApplicationBuilder builder, Action<ConfigurationOptions>? configure = null)
    {
        var tracingConfigured = builder.Configuration[$"{SettingsSection}:DisableTracing"] is not null
            || builder.Configuration[$"{SettingsSection}:{ConnectionName}:DisableTracing"] is not null;
        builder.AddRedisClient(ConnectionName,
            configureSettings: settings =>
            {
                if (!tracingConfigured) settings.DisableTracing = true;
                settings.DisableHealthChecks = true;
            },
            configureOptions: options =>
            {
                options.AbortOnConnectFail = false;
                options.BacklogPolicy = BacklogPolicy.FailFast;
                options.ReconnectRetryPolicy = new ExponentialRetry(250, 10_000);
                configure?.Invoke(options);
            });
        builder.Services.AddHostedService<RedisDeploymentCheck>();

        // StackExchange.Redis's Sentinel support blocks a pool thread on each primary switch (it waits synchronously
        // for a reconfiguration that itself needs pool threads); with the default minimum of one thread per core the
        // pool adds about one thread a second, and the whole service stalled for a second after the switch.
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        if (workers < MinWorkerThreads) ThreadPool.SetMinThreads(MinWorkerThreads, completionPorts);
        return builder;
    }
}
