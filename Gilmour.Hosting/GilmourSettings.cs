using Microsoft.Extensions.Configuration;

namespace Gilmour.Hosting;

/// <summary>
/// The app host configuration keys <c>AddGilmour</c> reads (besides <c>Gilmour:Redis:Mode</c>), so that any app host
/// using the bus is tuned the same way: <c>-- --Gilmour:HealthMonitor:IntervalSeconds=2</c>.
/// </summary>
public static class GilmourSettings
{
    public const string ControlApiSection = "Gilmour:ControlApi";
    public const string DispatcherSection = "Gilmour:Dispatcher";
    public const string HealthMonitorSection = "Gilmour:HealthMonitor";

    /// <summary>Key under <see cref="ControlApiSection"/>: the control API's local port.</summary>
    public const string PortKey = "Port";

    /// <summary>
    /// Key under <see cref="ControlApiSection"/>: the admin key. The app host turns it into a secret parameter, so that
    /// the control API and every node referencing the bus get the same key, and the dashboard masks it.
    /// </summary>
    public const string ApiKeyKey = "ApiKey";

    /// <summary>Where a user curls the control API when nothing else is configured.</summary>
    public const int DefaultControlApiPort = 5080;

    /// <summary>
    /// <c>Gilmour:ControlApi:Port</c>: the fixed local port of the control API (default 5080); 0 lets the
    /// orchestrator choose one, which tests do so that parallel app hosts never collide.
    /// </summary>
    public static int? ControlApiPort(IConfiguration configuration)
    {
        var port = configuration.GetValue($"{ControlApiSection}:{PortKey}", DefaultControlApiPort);
        return port switch
        {
            0 => null,
            > 0 and <= 65535 => port,
            _ => throw new ArgumentOutOfRangeException($"{ControlApiSection}:{PortKey}", port, "a TCP port (1-65535), or 0 to let the orchestrator choose"),
        };
    }
}
