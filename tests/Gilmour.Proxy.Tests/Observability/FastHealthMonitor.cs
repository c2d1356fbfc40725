using System.Diagnostics;
using Gilmour.HealthMonitor;
using Gilmour.Registry;
using Gilmour.ServiceDefaults;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>
/// A HealthMonitor wired as its Program.cs wires it, hosted in the test process with in-memory exporters, probing
/// every second with a 0.9 s timeout (a refused connection is answered at once; the timeout only keeps a loaded machine from turning a refusal into a timed-out probe); and the way to put a node in its registry.
/// </summary>
public static class FastHealthMonitor
{
    public static WebApplication Build(RedisServer redis, Exported<MetricSnapshot> metrics, Exported<Activity>? spans = null,
        params (string Key, string Value)[] settings)
    {
        var builder = ObservedHost.CreateBuilder(redis.ConnectionString, metrics, spans);
        builder.Configuration["Gilmour:HealthMonitor:IntervalSeconds"] = "1";
        builder.Configuration["Gilmour:HealthMonitor:ProbeTimeoutSeconds"] = "0.9";
        foreach (var (key, value) in settings) builder.Configuration[key] = value;
        builder.AddGilmourRedisClient();
        builder.AddHealthMonitor();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>Registers an ok node at 127.0.0.1:<paramref name="port"/> with no subscriptions; returns its id.</summary>
    public static async Task<string> AddNodeAsync(RedisServer redis, int port, string healthCheck = "/health")
    {
        using var bus = await redis.ConnectAsync();
        var id = Guid.NewGuid().ToString();
        Assert.True(await new NodeRegistry(bus).AddAsync(new Node(id, "127.0.0.1", port, healthCheck, NodeStatus.Ok, [], [],
            "ident-" + id, 1, DateTimeOffset.UtcNow, null)));
        return id;
    }
}
