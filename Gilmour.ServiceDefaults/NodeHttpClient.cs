using Microsoft.Extensions.DependencyInjection;

namespace Gilmour.ServiceDefaults;

/// <summary>How every service's HTTP client for calling nodes (deliveries, health probes) differs from the defaults.</summary>
public static class NodeHttpClient
{
    /// <summary>
    /// Calls go straight to the address a node registered: no retry (a delivery would run twice, and one probe is one
    /// observation), no per-call log lines (its span and metrics say more), and no service discovery. Service
    /// discovery would read a node's host as the name of a service and call whatever the configuration names for it
    /// (a node at <c>localhost</c> would be called at <c>services:localhost</c>'s address); it also costs a lookup
    /// and a new URI per call.
    /// </summary>
    public static IHttpClientBuilder AsNodeClient(this IHttpClientBuilder client)
    {
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is the documented way out of ConfigureHttpClientDefaults.
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        // What is left of ConfigureHttpClientDefaults' handlers once resilience is gone is service discovery's.
        // Traces and metrics come from the primary handler's own instrumentation, not from a handler here.
        return client
            .RemoveAllLoggers()
            .ConfigureAdditionalHttpMessageHandlers(static (handlers, _) => handlers.Clear());
    }
}
