using Aspire.Hosting.ApplicationModel;
using Gilmour.Hosting;

namespace Aspire.Hosting;

/// <summary>Joins a project, executable or container to the Gilmour bus.</summary>
public static class GilmourNodeExtensions
{
    /// <summary>
    /// Gives the node the control API's URL (<c>GILMOUR_PROXY_URL</c>, and <c>services__controlapi__http__0</c> by
    /// service discovery), the admin key when the bus is secured (<c>GILMOUR_API_KEY</c>), and starts it only once
    /// the bus can take its registration.
    /// </summary>
    public static IResourceBuilder<T> WithReference<T>(this IResourceBuilder<T> node, IResourceBuilder<GilmourResource> gilmour)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(gilmour);
        var bus = gilmour.Resource;
        node.WithReference(gilmour.ApplicationBuilder.CreateResourceBuilder(bus.ControlApi))
            .WithEnvironment(NodeEnvironment.ProxyUrl, bus.ControlApiEndpoint);
        if (bus.ApiKey is { } key) node.WithEnvironment(NodeEnvironment.ApiKey, gilmour.ApplicationBuilder.CreateResourceBuilder(key));
        return node.WithReferenceRelationship(bus).WaitFor(gilmour);
    }
}
