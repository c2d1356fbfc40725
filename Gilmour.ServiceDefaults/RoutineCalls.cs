using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gilmour.ServiceDefaults;

/// <summary>
/// Keeps probes and polling out of traces, so that a request's trace is easy to find: they run every few seconds
/// for every node and would outnumber the traces of messages many times over. A call that is part of a trace (a
/// request's, a registration's health pre-check) is traced whatever it is.
/// </summary>
public sealed class RoutineCalls(IOptions<TracingOptions> settings)
{
    private readonly TracingOptions _options = settings.Value;

    /// <summary>Whether the server span of an incoming call is recorded.</summary>
    public bool Traces(HttpContext context)
    {
        if (_options.TraceProbesAndPolling) return true;
        var request = context.Request;
        if (request.Path.StartsWithSegments(Extensions.HealthEndpointPath) || request.Path.StartsWithSegments(Extensions.AlivenessEndpointPath))
            return false;
        // A read that continues nobody's trace: a client polling.
        return !(IsRead(request.Method) && !request.Headers.ContainsKey("traceparent"));
    }

    /// <summary>Whether the client span of an outgoing call is recorded.</summary>
    /// <remarks>Called as the call's span starts: <see cref="Activity.Current"/> is that span, a root when nothing traced led to it.</remarks>
    public bool Traces(HttpRequestMessage request) =>
        _options.TraceProbesAndPolling
        || !IsRead(request.Method.Method)
        || Activity.Current is { ParentSpanId: var parent } && parent != default;

    private static bool IsRead(string method) => HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
}
