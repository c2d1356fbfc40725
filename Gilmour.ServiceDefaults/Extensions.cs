using Gilmour.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Instrumentation.AspNetCore;
using OpenTelemetry.Instrumentation.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Aspire service defaults shared by every Gilmour service: OpenTelemetry, health checks, service discovery and
/// HTTP resilience. In the namespace of the hosting builders so that <c>builder.AddServiceDefaults()</c> needs no using.
/// </summary>
public static class Extensions
{
    /// <summary>Everything a container platform or the app host may probe: every check, Redis included.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Liveness: only that the process answers, so a Redis outage never gets the service restarted.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>The tag of the checks /alive runs.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// A check that hangs (Redis unreachable, say) must not hang the probe: platforms give up after a few seconds
    /// and would report "no answer" instead of "unhealthy, because".
    /// </summary>
    public static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(3);

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddOptions<IdleMemoryTrimOptions>()
            .BindConfiguration(IdleMemoryTrimOptions.Section)
            .Validate(o => o.IdleSeconds >= 0, $"{IdleMemoryTrimOptions.Section}:IdleSeconds may not be negative")
            .Validate(o => o.MinimumSlackMiB >= 0, $"{IdleMemoryTrimOptions.Section}:MinimumSlackMiB may not be negative")
            .ValidateOnStart();
        builder.Services.AddHostedService<IdleMemoryTrim>();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Every outgoing client gets retries, circuit breaker and timeouts. Clients that call nodes opt out
            // with RemoveAllResilienceHandlers(): a delivery must not be retried (the node would run it twice) and
            // its timeout is the subscription's own; one health probe is one observation.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryNames.Wildcard))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryNames.Wildcard)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        // Through options, not read here: settings added after AddServiceDefaults (a test's, say) still count.
        builder.Services.AddOptions<TracingOptions>().BindConfiguration(TracingOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<RoutineCalls>();
        builder.Services.AddOptions<AspNetCoreTraceInstrumentationOptions>()
            .Configure<RoutineCalls>((aspNet, routine) => aspNet.Filter = routine.Traces);
        builder.Services.AddOptions<HttpClientTraceInstrumentationOptions>()
            .Configure<RoutineCalls>((http, routine) => http.FilterHttpRequestMessage = routine.Traces);

        builder.Services.AddHostedService<RedisReconnects>();

        // The app host sets OTEL_EXPORTER_OTLP_ENDPOINT to its dashboard; elsewhere (a bare process, a test) nothing
        // is exported and nothing waits on a collector that is not there.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            builder.Services.AddOpenTelemetry().UseOtlpExporter();

        return builder;
    }

    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddSingleton<RedisConnectivityHealthCheck>();

        builder.Services.AddOptions<HealthCheckServiceOptions>().PostConfigure<IConfiguration>((options, configuration) =>
        {
            // Runs after every registration of the service itself, so it sees the check AddRedisClient adds and
            // only fills in for a service that reaches Redis another way: /health always covers Redis, once.
            var redisConfigured = !string.IsNullOrWhiteSpace(configuration.GetConnectionString(RedisConnectivityHealthCheck.ConnectionName));
            if (redisConfigured && !options.Registrations.Any(RedisConnectivityHealthCheck.CoversRedis))
                options.Registrations.Add(new HealthCheckRegistration(RedisConnectivityHealthCheck.Name,
                    services => services.GetRequiredService<RedisConnectivityHealthCheck>(), HealthStatus.Unhealthy, ["ready"]));

            foreach (var registration in options.Registrations)
                if (registration.Timeout <= TimeSpan.Zero || registration.Timeout > HealthCheckTimeout)
                    registration.Timeout = HealthCheckTimeout;
        });
        return builder;
    }

    /// <summary>
    /// Maps /health and /alive in every environment, not only in Development: Azure Container Apps, Kubernetes and
    /// the app host all probe them.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        return app;
    }
}
