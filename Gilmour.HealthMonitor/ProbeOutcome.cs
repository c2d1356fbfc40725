namespace Gilmour.HealthMonitor;

public enum ProbeResult
{
    /// <summary>2xx within the probe timeout.</summary>
    Healthy,

    /// <summary>Non-2xx, no answer within the probe timeout, or a broken exchange.</summary>
    Failed,

    /// <summary>Nothing listens on the node's port: the node's process is gone.</summary>
    Refused,
}

/// <param name="Detail">What was observed, for the log ("answered 503", "no answer within 5 s", ...).</param>
public sealed record ProbeOutcome(ProbeResult Result, string Detail);
