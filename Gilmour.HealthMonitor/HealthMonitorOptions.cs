namespace Gilmour.HealthMonitor;

/// <summary>Bound from <c>Gilmour:HealthMonitor</c>. Fractions of seconds are allowed (tests use short intervals).</summary>
public sealed record HealthMonitorOptions
{
    public const string Section = "Gilmour:HealthMonitor";

    /// <summary>Time between two probe rounds over every node that is not dirty.</summary>
    public double IntervalSeconds { get; set; } = 10;

    /// <summary>How long one health check may take before it counts as failed; must be shorter than the interval.</summary>
    public double ProbeTimeoutSeconds { get; set; } = 5;

    /// <summary>Consecutive failed probes (non-2xx or timeout) that turn an ok node unavailable.</summary>
    public int FailureThreshold { get; set; } = 1;

    /// <summary>
    /// A node dirty (nothing listens on its port) for longer than this is removed, as DELETE /nodes/{id} removes it.
    /// 0 keeps dirty nodes forever.
    /// </summary>
    public double DirtyNodeTtlSeconds { get; set; } = 3600;

    public TimeSpan Interval => TimeSpan.FromSeconds(IntervalSeconds);

    public TimeSpan DirtyNodeTtl => TimeSpan.FromSeconds(DirtyNodeTtlSeconds);

    public TimeSpan ProbeTimeout => TimeSpan.FromSeconds(ProbeTimeoutSeconds);

    /// <summary>
    /// A lease lives half an interval and is asked for every sixth (<see cref="LeaseRenewal"/>): the holder has two
    /// renewals to spare before it lapses, and when a holder dies without releasing it a standby holds it within
    /// two thirds of an interval, so no round is skipped.
    /// </summary>
    public TimeSpan LeaseLifetime => Interval / 2;

    public TimeSpan LeaseRenewal => Interval / 6;
}
