namespace Gilmour.ServiceDefaults;

/// <summary>Names under which Gilmour code publishes traces and metrics.</summary>
public static class TelemetryNames
{
    /// <summary>Every ActivitySource and Meter whose name starts with "Gilmour." is collected and exported.</summary>
    public const string Wildcard = "Gilmour.*";
}
