using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>
/// A proxy holding three nodes for the bad-input rows to aim at: one ok (with slot "bad.slot" and service
/// "bad.service" in group "g"), one unavailable (its health check answers 503), one dirty. The HealthMonitor
/// probes rarely here, so nothing but the calls under test could change the registry.
/// </summary>
public sealed class BadInputFixture : ProxyFixture
{
    public TestNode Healthy { get; private set; } = null!;
    public TestNode Sick { get; private set; } = null!;
    public string NodeId { get; private set; } = "";
    public string UnavailableId { get; private set; } = "";
    public string DirtyId { get; private set; } = "";

    /// <summary>A loopback port nothing listens on.</summary>
    public int DeadPort { get; } = FreePort.Next();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Gilmour__HealthMonitor__IntervalSeconds"] = "3600",
    };

    protected override async Task OnStartedAsync()
    {
        Healthy = await StartNodeAsync();
        NodeId = await Control.RegisterNodeAsync(Healthy.Port,
            """{"slots":[{"topic":"bad.slot","path":"/slot"}],"services":[{"topic":"bad.service","group":"g","path":"/service"}]}""");

        Sick = await StartNodeAsync();
        UnavailableId = await Control.RegisterNodeAsync(Sick.Port);
        DirtyId = await Control.RegisterNodeAsync(Sick.Port);
        Sick.HealthStatus = 503;
        await Registry.UpdateAsync(UnavailableId, node => node with { Status = NodeStatus.Unavailable });
        await Registry.UpdateAsync(DirtyId, node => node with { Status = NodeStatus.Dirty });
    }
}
