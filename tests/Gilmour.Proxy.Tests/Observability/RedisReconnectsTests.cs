using Gilmour.ServiceDefaults;
using Gilmour.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using StackExchange.Redis;
using static Gilmour.Proxy.Tests.Observability.MetricReadings;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>gilmour.redis.reconnects counts a service's connections coming back after redis-server restarts.</summary>
[Collection(InProcessHosts.Name)]
public sealed class RedisReconnectsTests
{
    [Fact]
    public async Task A_redis_server_restart_counts_one_reconnect_of_each_connection()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var metrics = new Exported<MetricSnapshot>();
        var builder = ObservedHost.CreateBuilder(redis.ConnectionString, metrics);
        // The services' own wiring, with a short retry step so the test waits on the restart, not on back-off.
        builder.AddGilmourRedisClient(options => options.ReconnectRetryPolicy = new LinearRetry(200));
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        try
        {
            var multiplexer = app.Services.GetRequiredService<IConnectionMultiplexer>();
            // A subscription makes the multiplexer hold its subscription connection too.
            await multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal("reconnect-test"), (_, _) => { });
            await multiplexer.GetDatabase().PingAsync();
            Assert.Equal(0, Sum(Collect(app, metrics), RedisReconnects.Reconnects));

            await redis.StopAsync();
            await Eventually.HoldsAsync(() => !multiplexer.IsConnected, TimeSpan.FromSeconds(30), () => "the multiplexer never saw Redis go");
            await redis.StartAsync();

            await Eventually.HoldsAsync(() =>
            {
                var now = Collect(app, metrics);
                return Sum(now, RedisReconnects.Reconnects, ("gilmour.redis.connection_type", "interactive")) == 1
                    && Sum(now, RedisReconnects.Reconnects, ("gilmour.redis.connection_type", "subscription")) == 1;
            }, TimeSpan.FromSeconds(60), () =>
            {
                var now = Collect(app, metrics);
                return "the restart is not counted as one interactive and one subscription reconnect: " +
                       $"interactive {Sum(now, RedisReconnects.Reconnects, ("gilmour.redis.connection_type", "interactive"))}, " +
                       $"subscription {Sum(now, RedisReconnects.Reconnects, ("gilmour.redis.connection_type", "subscription"))}";
            });
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
