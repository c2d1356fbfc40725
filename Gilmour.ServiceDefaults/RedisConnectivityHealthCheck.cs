using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Gilmour.ServiceDefaults;

/// <summary>
/// Healthy when the Redis primary answers PING (a replica alone is not enough: every command of the services goes to
/// the primary). Uses the service's own multiplexer (the one AddGilmourRedisClient registers) when there is one, so
/// the check sees what the service sees; otherwise keeps one connection of its own.
/// </summary>
public sealed class RedisConnectivityHealthCheck(IServiceProvider services, IConfiguration configuration) : IHealthCheck, IAsyncDisposable
{
    /// <summary>The connection string name every Gilmour service reads (Aspire: ConnectionStrings:redis).</summary>
    public const string ConnectionName = "redis";

    public const string Name = "redis";

    private readonly Lazy<Task<ConnectionMultiplexer>> _own = new(() => ConnectAsync(configuration));

    /// <summary>True for a registration that already checks Redis: ours, or Aspire.StackExchange.Redis's.</summary>
    public static bool CoversRedis(HealthCheckRegistration registration) =>
        registration.Name == Name || registration.Name.StartsWith("StackExchange.Redis", StringComparison.Ordinal);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            // WaitAsync: the health check service cancels a check at its timeout but still waits for it to return.
            var redis = services.GetService<IConnectionMultiplexer>() ?? await _own.Value.WaitAsync(cancellationToken);
            var latency = await redis.GetDatabase().PingAsync(CommandFlags.DemandMaster).WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"the Redis primary answered PING in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "no Redis primary answers PING", e);
        }
    }

    private static Task<ConnectionMultiplexer> ConnectAsync(IConfiguration configuration)
    {
        var options = ConfigurationOptions.Parse(configuration.GetConnectionString(ConnectionName)
            ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not configured"));
        // Keep reconnecting in the background: one multiplexer serves every probe, through outages.
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        if (_own.IsValueCreated && _own.Value.IsCompletedSuccessfully) await _own.Value.Result.DisposeAsync();
    }
}
