using Gilmour.Registry;
using Gilmour.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Gilmour.Dispatcher;

public static class DispatcherHosting
{
    /// <summary>Delivery to nodes and the loop that keeps their subscriptions in step with the registry; expects an
    /// IConnectionMultiplexer registered already.</summary>
    public static IHostApplicationBuilder AddDispatcher(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DispatcherOptions>()
            .BindConfiguration(DispatcherOptions.Section)
            .Validate(o => o.ReconcileSeconds > 0, $"{DispatcherOptions.Section}:ReconcileSeconds must be greater than 0")
            .Validate(o => o.DrainSeconds > 0, $"{DispatcherOptions.Section}:DrainSeconds must be greater than 0")
            .Validate(o => Enum.IsDefined(o.ErrorPolicy), $"{DispatcherOptions.Section}:ErrorPolicy must be publish, queue or ignore")
            .ValidateOnStart();
        builder.Services.AddOptions<HostOptions>()
            .Configure<IOptions<DispatcherOptions>>((host, dispatcher) => host.ShutdownTimeout = dispatcher.Value.Drain);

        // The subscription's timeout is the only deadline (the Responder's token), and a delivery is never retried.
        builder.Services.AddHttpClient(NodeDelivery.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Keep-alive connections to nodes are reused across deliveries; recycling them now and then picks
                // up a node that moved. A node never sends the proxy elsewhere, nor shares cookies with others, and
                // is called directly, never through an HTTP proxy the environment may name.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseProxy = false,
                AllowAutoRedirect = false,
                UseCookies = false,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AsNodeClient();

        builder.Services.AddSingleton<NodeRegistry>();
        builder.Services.AddSingleton<RegistryChanges>();
        builder.Services.AddSingleton<AppliedRevisions>();
        builder.Services.AddSingleton<DeliveryTelemetry>();
        builder.Services.AddSingleton<StreamReplies>();
        builder.Services.AddSingleton<StreamDelivery>();
        builder.Services.AddSingleton<DeliveryClaims>();
        builder.Services.AddSingleton<NodeDelivery>();
        builder.Services.AddSingleton<ExclusionGroups>();
        builder.Services.AddSingleton<NodeSubscriptions>();
        builder.Services.AddHostedService<RegistryFollower>();
        return builder;
    }
}
