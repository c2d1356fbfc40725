namespace Gilmour.ServiceDefaults;

/// <summary>Bound from <c>Gilmour:Tracing</c>: what the services' traces leave out.</summary>
public sealed record TracingOptions
{
    public const string Section = "Gilmour:Tracing";

    /// <summary>
    /// False (the default): no trace for the calls that repeat on a timer and carry no message (<see cref="RoutineCalls"/>):
    /// /health and /alive, GETs a client sends without a traceparent (a node polling its status), and GETs a service
    /// sends outside any trace (the HealthMonitor's probes of nodes). True traces them too.
    /// </summary>
    public bool TraceProbesAndPolling { get; set; }
}
