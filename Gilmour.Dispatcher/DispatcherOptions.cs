using Gilmour.Errors;

namespace Gilmour.Dispatcher;

/// <summary>Bound from <c>Gilmour:Dispatcher</c>.</summary>
public sealed record DispatcherOptions
{
    public const string Section = "Gilmour:Dispatcher";

    /// <summary>
    /// Every this often every node is re-applied from the registry, on top of reacting to announcements: heals an
    /// announcement missed during a Redis outage. Fractions allowed.
    /// </summary>
    public double ReconcileSeconds { get; set; } = 5;

    /// <summary>How replies with code >= 300 and failed slot deliveries are reported (publish, queue or ignore).</summary>
    public ErrorPolicy ErrorPolicy { get; set; } = ErrorPolicy.Publish;

    /// <summary>On SIGTERM, how long in-flight deliveries may run on before the process exits anyway.</summary>
    public double DrainSeconds { get; set; } = 60;

    public TimeSpan ReconcileInterval => TimeSpan.FromSeconds(ReconcileSeconds);

    public TimeSpan Drain => TimeSpan.FromSeconds(DrainSeconds);
}
