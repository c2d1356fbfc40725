namespace Gilmour.AppHost.SampleNodes;

public static class SampleNodeExtensions
{
    /// <summary>
    /// Tells the node its transport (<c>GILMOUR_TRANSPORT</c>). A callback node gets an HTTP endpoint for the
    /// proxy to call (<c>PORT</c>, not proxied: the proxy calls back the address the registration came from) and is
    /// healthy when its <c>/health</c> answers; a stream node needs neither.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> WithTransport(this IResourceBuilder<ExecutableResource> node, string transport)
    {
        node.WithEnvironment("GILMOUR_TRANSPORT", transport);
        return transport == SampleNodeTransport.Callback
            ? node.WithHttpEndpoint(env: "PORT", isProxied: false).WithHttpHealthCheck("/health")
            : node;
    }

    /// <summary>
    /// Deploys the node as the image its folder's Dockerfile builds, with the repository root as build context (the
    /// image installs the client package from <c>clients/</c>); a node without a Dockerfile is not deployed.
    /// </summary>
    public static IResourceBuilder<ExecutableResource> PublishFromRepository(this IResourceBuilder<ExecutableResource> node, SampleNodeFolder folder)
    {
        if (!File.Exists(folder.Dockerfile)) return node.ExcludeFromManifest();
        return node.PublishAsDockerFile(container =>
            container.WithDockerfile(folder.RepositoryRoot, Path.GetRelativePath(folder.RepositoryRoot, folder.Dockerfile)));
    }
}
