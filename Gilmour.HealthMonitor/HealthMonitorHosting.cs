using Gilmour.Registry;
using Gilmour.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gilmour.HealthMonitor;

public static class HealthMonitorHosting
{
    /// <summary>Named HttpClient of the probes: no retries (one probe is one observation), no client-wide timeout.</summary>
    internal const string ProbeClient = "health-probe";

    /// <summary>The node health loop and what it needs; expects an IConnectionMultiplexer registered already.</summary>
    public static IHostApplicationBuilder AddHealthMonitor(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<HealthMonitorOptions>()
            .BindConfiguration(HealthMonitorOptions.Section)
            .Validate(o => o.IntervalSeconds > 0, $"{HealthMonitorOptions.Section}:IntervalSeconds must be greater than 0")
            .Validate(o => o.ProbeTimeoutSeconds > 0 && o.ProbeTimeoutSeconds < o.IntervalSeconds,
                $"{HealthMonitorOptions.Section}:ProbeTimeoutSeconds must be greater than 0 and less than IntervalSeconds")
            .Validate(o => o.FailureThreshold >= 1, $"{HealthMonitorOptions.Section}:FailureThreshold must be at least 1")
            .Validate(o => o.DirtyNodeTtlSeconds >= 0 && double.IsFinite(o.DirtyNodeTtlSeconds),
                $"{HealthMonitorOptions.Section}:DirtyNodeTtlSeconds may not be negative (0 keeps dirty nodes forever)")
            .ValidateOnStart();

        // The probe timeout is applied per call (HealthProbe), so the client itself has none.
        builder.Services.AddHttpClient(ProbeClient, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
            .AsNodeClient();

        builder.Services.AddSingleton<NodeRegistry>();
        builder.Services.AddSingleton<HealthProbe>();
        builder.Services.AddSingleton<DirtyNodeExpiry>();
        builder.Services.AddSingleton<StreamLeaseCheck>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<HealthMonitorLease>();
        builder.Services.AddSingleton<HealthTelemetry>();
        builder.Services.AddHostedService<HealthMonitorLeaseRenewal>();
        builder.Services.AddHostedService<HealthProbeLoop>();
        return builder;
    }
}
