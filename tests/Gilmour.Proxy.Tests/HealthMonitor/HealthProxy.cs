using System.Globalization;
using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>
/// One proxy shared by the health tests of a class, probing every two seconds with a 1.9 s probe timeout and turning a
/// node unavailable after 3 failures in a row. Each test registers and watches nodes of its own.
/// </summary>
/// <remarks>
/// The nodes live in the test process, which a loaded machine stalls now and then for a second or two. A timeout
/// near the interval and three failures in a row mean a stall of several seconds before a node that should stay ok
/// turns unavailable; a node a test makes fail (an error status, a health check far slower than the timeout) does
/// so within three rounds.
/// </remarks>
public sealed class HealthProxy : IAsyncLifetime
{
    public const int FailureThreshold = 3;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1.9);

    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Gilmour__HealthMonitor__IntervalSeconds"] = Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = ProbeTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ["Gilmour__HealthMonitor__FailureThreshold"] = FailureThreshold.ToString(CultureInfo.InvariantCulture),
        // Every failed probe is logged, so a test can count the failures that made a node unavailable.
        ["Logging__LogLevel__Gilmour.HealthMonitor.HealthProbeLoop"] = "Debug",
    };

    public ProxyHarness Proxy { get; private set; } = null!;

    public BusProbe Bus { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Proxy = await ProxyHarness.StartAsync(Settings);
        Bus = await BusProbe.ConnectAsync(Proxy.Redis);
    }

    public async Task DisposeAsync()
    {
        await Bus.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}
