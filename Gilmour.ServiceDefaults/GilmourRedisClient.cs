using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Redis client every service uses: Aspire's, with the settings a bus service wants.</summary>
public static class GilmourRedisClient
{
    public const string ConnectionName = "redis";

    private const string SettingsSection = "Aspire:StackExchange:Redis";

    /// <summary>
    /// Registers the IConnectionMultiplexer (connection string <c>ConnectionStrings:redis</c>). It starts even when
    /// Redis is not up yet and reconnects by itself. A span per Redis command is off unless
    /// <c>Aspire:StackExchange:Redis:DisableTracing</c> is set to false: every message costs several commands, and
    /// their spans cost more CPU than the rest of its trace while saying little a request's own span does not.
    /// </summary>
    public static IHostApplicationBuilder AddGilmourRedisClient(this IHostApplicationBuilder builder, Action<ConfigurationOptions>? configure = null)
    {
        var tracingConfigured = builder.Configuration[$"{SettingsSection}:DisableTracing"] is not null
            || builder.Configuration[$"{SettingsSection}:{ConnectionName}:DisableTracing"] is not null;
        builder.AddRedisClient(ConnectionName,
            configureSettings: settings =>
            {
                if (!tracingConfigured) settings.DisableTracing = true;
            },
            configureOptions: options =>
            {
                options.AbortOnConnectFail = false;
                configure?.Invoke(options);
            });
        return builder;
    }
}
