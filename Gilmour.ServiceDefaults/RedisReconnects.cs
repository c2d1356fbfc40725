using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace Gilmour.ServiceDefaults;

/// <summary>
/// Counts the service's Redis connections coming back after a loss (<c>gilmour.redis.reconnects</c>), by connection
/// type: a subscription connection restored means the service's subscriptions were re-issued.
/// </summary>
public sealed class RedisReconnects(IServiceProvider services, IHostApplicationLifetime lifetime, IMeterFactory meters) : IHostedService
{
    public const string MeterName = "Gilmour.Redis";
    public const string Reconnects = "gilmour.redis.reconnects";

    private readonly Counter<long> _reconnects = meters.Create(MeterName)
        .CreateCounter<long>(Reconnects, "{reconnect}", "Redis connections restored after a loss");

    private IConnectionMultiplexer? _redis;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Once the service is up: its own start decides whether (and how soon) the multiplexer connects, and a service
        // that does not use the shared multiplexer has nothing to count.
        lifetime.ApplicationStarted.Register(() =>
        {
            _redis = services.GetService<IConnectionMultiplexer>();
            if (_redis is not null) _redis.ConnectionRestored += OnRestored;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (_redis is not null) _redis.ConnectionRestored -= OnRestored;
        return Task.CompletedTask;
    }

    private void OnRestored(object? sender, ConnectionFailedEventArgs e) => _reconnects.Add(1,
        new KeyValuePair<string, object?>("gilmour.redis.connection_type", e.ConnectionType == ConnectionType.Subscription ? "subscription" : "interactive"));
}
