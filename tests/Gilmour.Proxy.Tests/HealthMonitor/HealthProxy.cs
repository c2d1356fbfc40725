using Gilmour.Proxy.Tests.Dispatcher;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>
/// One proxy shared by the health tests of a class, probing every second with a 0.8 s probe timeout and turning a
/// node unavailable after 3 failures in a row. Each test registers and watches nodes of its own.
/// </summary>
public sealed class HealthProxy : IAsyncLifetime
{
    public const int FailureThreshold = 3;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Gilmour__HealthMonitor__IntervalSeconds"] = "1",
        ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.8",
        ["Gilmour__HealthMonitor__FailureThreshold"] = FailureThreshold.ToString(),
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
