using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Gilmour.ServiceDefaults;

/// <summary>
/// Healthy when Redis answers PING. Uses the service's own multiplexer (the one AddRedisClient registers) when there
/// is one, so the check sees what the service sees; otherwise keeps one connection of its own.
/// </summary>
public sealed class RedisConnectivityHealthCheck(IServiceProvider services, IConfiguration configuration) : IHealthCheck, IAsyncDisposable
{
    /// <summary>The connection string name every Gilmour service reads (Aspire: ConnectionStrings:redis).</summary>
    public const string ConnectionName = "redis";

    public const string Name = "redis";

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private ConnectionMultiplexer? _own;

    /// <summary>True for a registration that already checks Redis: ours, or Aspire.StackExchange.Redis's.</summary>
    public static bool CoversRedis(HealthCheckRegistration registration) =>
        registration.Name == Name || registration.Name.StartsWith("StackExchange.Redis", StringComparison.Ordinal);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var redis = services.GetService<IConnectionMultiplexer>() ?? await OwnConnectionAsync(cancellationToken);
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(cancellationToken);
            return HealthCheckResult.Healthy($"PING answered in {latency.TotalMilliseconds:0.#} ms");
        }
        catch (Exception e) when (e is RedisException or TimeoutException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Redis does not answer PING", e);
        }
    }

    private async Task<IConnectionMultiplexer> OwnConnectionAsync(CancellationToken cancellationToken)
    {
        if (_own is not null) return _own;
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_own is not null) return _own;
            var options = ConfigurationOptions.Parse(configuration.GetConnectionString(ConnectionName)
                ?? throw new InvalidOperationException($"ConnectionStrings:{ConnectionName} is not configured"));
            // Keep reconnecting in the background: a check that throws on the first failed connect would need a
            // new multiplexer per probe.
            options.AbortOnConnectFail = false;
            _own = await ConnectionMultiplexer.ConnectAsync(options);
            return _own;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_own is not null) await _own.DisposeAsync();
        _connecting.Dispose();
    }
}
