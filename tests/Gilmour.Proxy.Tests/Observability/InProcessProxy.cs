using Gilmour.ControlApi;
using Gilmour.Dispatcher;
using Gilmour.ServiceDefaults;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using System.Diagnostics;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>
/// A real redis-server, and the ControlApi and the Dispatcher wired exactly as their Program.cs wires them (service
/// defaults included), but hosted in the test process on real loopback ports so that an in-memory OpenTelemetry
/// exporter added to each can be read. Each test works on topics of its own.
/// </summary>
public sealed class InProcessProxy : IAsyncLifetime
{
    private readonly RedisServer _redis = new();
    private WebApplication? _controlApi;
    private WebApplication? _dispatcher;

    /// <summary>Spans the ControlApi's tracer provider exported.</summary>
    public Exported<Activity> ControlApiSpans { get; } = [];

    /// <summary>Spans the Dispatcher's tracer provider exported.</summary>
    public Exported<Activity> DispatcherSpans { get; } = [];

    private Exported<MetricSnapshot> ControlApiMetrics { get; } = [];

    private Exported<MetricSnapshot> DispatcherMetrics { get; } = [];

    public HttpClient Control { get; private set; } = null!;

    public RedisServer Redis => _redis;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();

        _dispatcher = Build(FreePort.Next(), builder =>
        {
            builder.AddGilmourRedisClient();
            builder.AddDispatcher();
        }, DispatcherSpans, DispatcherMetrics);
        _dispatcher.MapDefaultEndpoints();
        await _dispatcher.StartAsync();

        var port = FreePort.Next();
        _controlApi = Build(port, builder =>
        {
            builder.AddGilmourRedisClient();
            builder.AddControlApi();
        }, ControlApiSpans, ControlApiMetrics);
        _controlApi.UseControlApi();
        _controlApi.MapDefaultEndpoints();
        await _controlApi.StartAsync();
        // The test process listens to its own HttpClient too: without this it would inject a traceparent of its own
        // making, where a test wants to send exactly what an outside caller sends.
        Control = new HttpClient(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    private WebApplication Build(int port, Action<WebApplicationBuilder> wire, Exported<Activity> spans, Exported<MetricSnapshot> metrics)
    {
        var builder = ObservedHost.CreateBuilder(_redis.ConnectionString, metrics, spans, port);
        wire(builder);
        return builder.Build();
    }

    /// <summary>Collects and exports every instrument's current value now.</summary>
    public IReadOnlyList<MetricSnapshot> CollectControlApiMetrics() => MetricReadings.Collect(_controlApi!, ControlApiMetrics);

    public IReadOnlyList<MetricSnapshot> CollectDispatcherMetrics() => MetricReadings.Collect(_dispatcher!, DispatcherMetrics);

    public async Task DisposeAsync()
    {
        Control?.Dispose();
        // Stopped first, as a process is on SIGTERM: disposing alone skips the hosted services' StopAsync.
        foreach (var app in new[] { _controlApi, _dispatcher })
        {
            if (app is null) continue;
            await app.StopAsync();
            await app.DisposeAsync();
        }
        await _redis.StopAsync();
    }
}
