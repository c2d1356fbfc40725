using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;

namespace Gilmour.Hosting;

/// <summary>Hands a service its own settings from the app host's configuration.</summary>
public static class ServiceSettings
{
    /// <summary>
    /// Every value under <paramref name="section"/> (for example <c>Gilmour:HealthMonitor</c>) becomes an environment
    /// variable of the resource (<c>Gilmour__HealthMonitor__IntervalSeconds</c>), so that
    /// <c>dotnet run --project Gilmour.AppHost -- --Gilmour:HealthMonitor:IntervalSeconds=2</c> or a test's arguments
    /// reach the service. Keys in <paramref name="appHostOnly"/> are the app host's own and are not passed on.
    /// </summary>
    public static IResourceBuilder<T> WithSettings<T>(this IResourceBuilder<T> resource, IConfiguration configuration, string section, params string[] appHostOnly)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in configuration.GetSection(section).AsEnumerable())
        {
            if (value is null || appHostOnly.Any(k => string.Equals(key, $"{section}:{k}", StringComparison.OrdinalIgnoreCase))) continue;
            resource.WithEnvironment(key.Replace(":", "__", StringComparison.Ordinal), value);
        }
        return resource;
    }

    /// <summary>The runtime's environment every service runs with (<see cref="ServiceRuntime"/>).</summary>
    public static IResourceBuilder<T> WithServiceRuntime<T>(this IResourceBuilder<T> resource)
        where T : IResourceWithEnvironment
    {
        foreach (var (key, value) in ServiceRuntime.Environment) resource.WithEnvironment(key, value);
        return resource;
    }
}
