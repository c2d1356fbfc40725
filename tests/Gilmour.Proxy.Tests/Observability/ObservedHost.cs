using System.Diagnostics;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>
/// A service host as its Program.cs starts one (service defaults included), on a loopback port of its own and the
/// given Redis, whose metrics (and spans, when asked) also go to in-memory exporters a test can read.
/// </summary>
public static class ObservedHost
{
    public static WebApplicationBuilder CreateBuilder(string redisConnectionString, Exported<MetricSnapshot> metrics,
        Exported<Activity>? spans = null, int? port = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port ?? FreePort.Next()}");
        builder.Configuration["ConnectionStrings:redis"] = redisConnectionString;
        builder.AddServiceDefaults();
        builder.Services.ConfigureOpenTelemetryMeterProvider(metering => metering.AddInMemoryExporter(metrics));
        if (spans is not null) builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
        return builder;
    }
}
