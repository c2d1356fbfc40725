using Aspire.Hosting.ApplicationModel;

namespace Gilmour.Hosting;

/// <summary>
/// The Gilmour bus as one resource of the app host: the control API nodes talk to, the dispatcher that holds their
/// subscriptions, the health monitor, and the Redis they share. Its connection string is the control API's URL.
/// It is running once the control API and a dispatcher are healthy, which is when a node can register; the nodes
/// that reference it wait for that.
/// </summary>
public sealed class GilmourResource : Resource, IResourceWithConnectionString, IResourceWithWaitSupport
{
    internal GilmourResource(string name, ProjectResource controlApi, ProjectResource dispatcher, ProjectResource healthMonitor,
        IResourceWithConnectionString redis, ParameterResource? apiKey) : base(name)
    {
        ControlApi = controlApi;
        Dispatcher = dispatcher;
        HealthMonitor = healthMonitor;
        Redis = redis;
        ApiKey = apiKey;
    }

    /// <summary>The control API, where nodes register and send (resource <c>controlapi</c>).</summary>
    public ProjectResource ControlApi { get; }

    public ProjectResource Dispatcher { get; }

    public ProjectResource HealthMonitor { get; }

    /// <summary>
    /// The Redis of the bus. Native Gilmour programs (Go, Ruby) reference it to share topics and exclusion groups
    /// with the proxied nodes.
    /// </summary>
    public IResourceWithConnectionString Redis { get; }

    /// <summary>The admin key the control API requires; null when the bus runs open.</summary>
    public ParameterResource? ApiKey { get; }

    /// <summary>The control API's HTTP endpoint.</summary>
    public EndpointReference ControlApiEndpoint => ControlApi.GetEndpoint("http");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{ControlApiEndpoint}");
}
