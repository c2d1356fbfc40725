using Microsoft.Extensions.Configuration;

namespace Gilmour.AppHost.SampleNodes;

/// <summary>
/// How the sample nodes take their deliveries: <c>callback</c> (the proxy calls the node's HTTP server) or
/// <c>stream</c> (the node dials out and reads its deliveries from one long-lived response).
/// </summary>
public static class SampleNodeTransport
{
    public const string ConfigurationKey = "Gilmour:SampleNodes:Transport";
    public const string Callback = "callback";
    public const string Stream = "stream";

    /// <summary>
    /// A deployment uses <c>stream</c>: a node in a container of its own is rarely reachable at the address its
    /// registration came from, and it then needs no ingress. Locally, <see cref="ConfigurationKey"/> (default callback).
    /// </summary>
    public static string Choose(IDistributedApplicationBuilder builder)
    {
        if (builder.ExecutionContext.IsPublishMode) return Stream;
        var configured = builder.Configuration[ConfigurationKey];
        if (string.IsNullOrWhiteSpace(configured)) return Callback;
        return configured.Trim().ToLowerInvariant() switch
        {
            Callback => Callback,
            Stream => Stream,
            _ => throw new ArgumentException($"{ConfigurationKey} is '{configured}'; use {Callback} or {Stream}"),
        };
    }
}
