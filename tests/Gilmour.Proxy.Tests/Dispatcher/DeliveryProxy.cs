using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>
/// One proxy (Redis and the three services) shared by the delivery tests of a class. Each test registers its own
/// nodes on topics of its own, so the tests do not see each other. Health probing is pushed out of the way (one
/// round at start, the next in an hour): a node a test stops must stay "ok" so deliveries meet its closed port.
/// </summary>
public sealed class DeliveryProxy : IAsyncLifetime
{
    public ProxyHarness Proxy { get; private set; } = null!;

    public BusProbe Bus { get; private set; } = null!;

    public HttpClient Control => Proxy.Control;

    public async Task InitializeAsync()
    {
        Proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__HealthMonitor__IntervalSeconds"] = "3600",
        });
        Bus = await BusProbe.ConnectAsync(Proxy.Redis);
    }

    public async Task DisposeAsync()
    {
        await Bus.DisposeAsync();
        await Proxy.DisposeAsync();
    }

    /// <summary>A topic no other test uses.</summary>
    public static string Topic(string name) => $"{name}.{Guid.NewGuid():N}";
}
