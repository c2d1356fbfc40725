using Gilmour.ServiceDefaults;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>Issue 7, part 2: gilmour.redis.reconnects counts a service's connections coming back after redis-server restarts.</summary>
public sealed class RedisReconnectsTests
{
    [Fact]
    public async Task A_redis_server_restart_counts_one_reconnect_of_each_connection()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        var metrics = new Exported<MetricSnapshot>();
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{FreePort.Next()}");
        builder.Configuration["ConnectionStrings:redis"] = redis.ConnectionString;
        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metering => metering.AddInMemoryExporter(metrics));
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
            await Eventually.HoldsAsync(() => !multiplexer.IsConnected, TimeSpan.FromSeconds(10), () => "the multiplexer never saw Redis go");
            await redis.StartAsync();

            await Eventually.HoldsAsync(() =>
            {
                var now = Collect(app, metrics);
                return Sum(now, RedisReconnects.Reconnects, ("gilmour.redis.connection_type", "interactive")) == 1
                    && Sum(now, RedisReconnects.Reconnects, ("gilmour.redis.connection_type", "subscription")) == 1;
            }, TimeSpan.FromSeconds(20), () => "the restart is not counted as one interactive and one subscription reconnect");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private static IReadOnlyList<MetricSnapshot> Collect(WebApplication app, Exported<MetricSnapshot> metrics)
    {
        metrics.Clear();
        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        return metrics.Snapshot();
    }

    private static long Sum(IReadOnlyList<MetricSnapshot> metrics, string name, params (string Key, object Value)[] tags)
    {
        long sum = 0;
        foreach (var metric in metrics.Where(m => m.Name == name))
            foreach (var point in metric.MetricPoints)
                if (tags.All(tag => HasTag(point, tag.Key, tag.Value)))
                    sum += point.GetSumLong();
        return sum;
    }

    private static bool HasTag(MetricPoint point, string key, object value)
    {
        foreach (var tag in point.Tags)
            if (tag.Key == key && Equals(tag.Value, value)) return true;
        return false;
    }
}
