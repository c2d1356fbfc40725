using Aspire.Hosting.ApplicationModel;
using Gilmour.Hosting;
using Gilmour.Hosting.Redis;
using Microsoft.Extensions.Logging;

namespace Aspire.Hosting;

/// <summary>Adds the Gilmour bus to an app host.</summary>
public static class GilmourBuilderExtensions
{
    /// <summary>
    /// Adds the Gilmour proxy: a Redis (container, redis-server, Garnet or external, per <c>Gilmour:Redis:Mode</c>
    /// and what the machine has), the control API (<c>controlapi</c>, on <c>Gilmour:ControlApi:Port</c>, default
    /// 5080), the dispatcher and the health monitor. Nodes join it with <c>.WithReference(gilmour)</c>.
    /// </summary>
    /// <param name="name">The bus's resource name; its generated key parameter is <c>{name}-api-key</c>.</param>
    /// <param name="apiKey">
    /// The admin key the control API requires and every referencing node gets. Without it a publish generates one
    /// (a secret parameter), and a local run uses <c>Parameters:{name}-api-key</c> or <c>Gilmour:ControlApi:ApiKey</c>
    /// when either is set, and runs open otherwise.
    /// </param>
    /// <param name="redis">A Redis of the app host's own (for example one its native Gilmour programs use); the bus then starts none.</param>
    /// <example>
    /// <code>
    /// var gilmour = builder.AddGilmour("gilmour");
    /// builder.AddProject&lt;Projects.MyNode&gt;("mynode").WithReference(gilmour);
    /// </code>
    /// </example>
    public static IResourceBuilder<GilmourResource> AddGilmour(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        IResourceBuilder<ParameterResource>? apiKey = null, IResourceBuilder<IResourceWithConnectionString>? redis = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (builder.Resources.OfType<GilmourResource>().FirstOrDefault() is { } existing)
            throw new InvalidOperationException($"this app host already has the Gilmour bus '{existing.Name}'; reference that one");

        var configuration = builder.Configuration;
        var backbone = builder.AddRedisBackbone(redis);
        apiKey ??= ApiKeyChoice.Default(builder, name);

        var dispatcher = builder.AddProject<DispatcherProject>(GilmourResourceNames.Dispatcher)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithRedis(backbone)
            .WithServiceRuntime()
            .WithSettings(configuration, GilmourSettings.DispatcherSection);

        var healthMonitor = builder.AddProject<HealthMonitorProject>(GilmourResourceNames.HealthMonitor)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithRedis(backbone)
            .WithServiceRuntime()
            .WithSettings(configuration, GilmourSettings.HealthMonitorSection);

        // Not proxied: the proxy calls a node back at the address its registration came from, so the control API must
        // see the node's own connection, not the orchestrator's proxy.
        var port = GilmourSettings.ControlApiPort(configuration);
        var controlApi = builder.AddProject<ControlApiProject>(GilmourResourceNames.ControlApi)
            .WithHttpEndpoint(port: port, targetPort: port, isProxied: false)
            .WithExternalHttpEndpoints()
            .WithHttpHealthCheck("/health")
            .WithRedis(backbone)
            .WithServiceRuntime()
            .WithSettings(configuration, GilmourSettings.ControlApiSection, GilmourSettings.PortKey, GilmourSettings.ApiKeyKey);
        if (apiKey is not null) controlApi.WithEnvironment("Gilmour__ControlApi__ApiKey", apiKey);

        var gilmour = builder.AddResource(new GilmourResource(name, controlApi.Resource, dispatcher.Resource, healthMonitor.Resource,
                backbone.Connection.Resource, apiKey?.Resource))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "Gilmour",
                State = KnownResourceStates.NotStarted,
                Properties = [],
            })
            // A node can register once the control API answers and a dispatcher can make its subscriptions live.
            .WaitFor(controlApi)
            .WaitFor(dispatcher)
            .OnInitializeResource(RunWhenServicesAreHealthyAsync);

        foreach (var part in new IResourceBuilder<IResource>[] { dispatcher, healthMonitor, controlApi })
            part.WithParentRelationship(gilmour);
        if (redis is null)
        {
            backbone.Connection.WithParentRelationship(gilmour);
            if (backbone.Server is { } server && !ReferenceEquals(server.Resource, backbone.Connection.Resource)) server.WithParentRelationship(gilmour);
        }
        return gilmour;
    }

    /// <summary>
    /// The bus has no process of its own: it waits (its <c>WaitFor</c>s) for the services, then shows as running
    /// with the control API's URL, which releases the nodes waiting for it.
    /// </summary>
    private static async Task RunWhenServicesAreHealthyAsync(GilmourResource bus, InitializeResourceEvent initializing, CancellationToken cancellation)
    {
        try
        {
            await initializing.Eventing.PublishAsync(new BeforeResourceStartedEvent(bus, initializing.Services), cancellation).ConfigureAwait(false);
            var url = await bus.ControlApiEndpoint.GetValueAsync(cancellation).ConfigureAwait(false);
            await initializing.Notifications.PublishUpdateAsync(bus, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                Urls = url is null ? snapshot.Urls : [new UrlSnapshot(Name: GilmourResourceNames.ControlApi, Url: url, IsInternal: false)],
            }).ConfigureAwait(false);
            await initializing.Eventing.PublishAsync(new ConnectionStringAvailableEvent(bus, initializing.Services), cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            initializing.Logger.LogError(e, "The Gilmour bus '{Bus}' did not start", bus.Name);
            await initializing.Notifications.PublishUpdateAsync(bus, snapshot => snapshot with { State = KnownResourceStates.FailedToStart }).ConfigureAwait(false);
        }
    }
}
