using Microsoft.Extensions.Configuration;

namespace Gilmour.AppHost;

/// <summary>The app host's own configuration keys (besides <c>Gilmour:Redis:Mode</c>).</summary>
public static class AppHostSettings
{
    public const string ControlApiSection = "Gilmour:ControlApi";
    public const string DispatcherSection = "Gilmour:Dispatcher";
    public const string HealthMonitorSection = "Gilmour:HealthMonitor";

    /// <summary>Key under <see cref="ControlApiSection"/>: the control API's local port.</summary>
    public const string PortKey = "Port";

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
