using System.Net;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>
/// The proxy as a cloud deployment runs it: ASP.NET Core's forwarded headers switched on for every service
/// (ASPNETCORE_FORWARDEDHEADERS_ENABLED, as Aspire's publish output sets it), and a real nginx in front of the control
/// API that connects from 127.0.0.3, the one trusted proxy. Nodes live on other loopback addresses (127.0.0.2, ...)
/// and register from there, as programs on other hosts would.
/// </summary>
public sealed class BehindAProxyFixture : ProxyFixture
{
    public static readonly IPAddress NodeAddress = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress ProxyAddress = IPAddress.Parse("127.0.0.3");
    public static readonly IPAddress ForgedAddress = IPAddress.Parse("127.0.0.9");

    public NginxServer Nginx { get; private set; } = null!;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
        ["Gilmour__ControlApi__TrustedProxies__0"] = ProxyAddress.ToString(),
        ["Gilmour__ControlApi__AllowedNodeHosts__0"] = "127.0.0.0/30",
    };

    protected override async Task OnStartedAsync() => Nginx = await NginxServer.StartAsync(Harness.Control.BaseAddress!, ProxyAddress);

    /// <summary>A node on 127.0.0.2 and decoys listening on the same port at the other addresses a bug would call.</summary>
    public async Task<(TestNode Node, TestNode[] Decoys)> StartNodeAndDecoysAsync()
    {
        var port = FreePort.Next();
        var node = await StartNodeAsync(port: port, address: NodeAddress);
        var decoys = new[]
        {
            await StartNodeAsync(port: port, address: ProxyAddress),
            await StartNodeAsync(port: port, address: ForgedAddress),
            await StartNodeAsync(port: port, address: IPAddress.Loopback),
        };
        return (node, decoys);
    }

    protected override async Task OnStoppingAsync()
    {
        if (Nginx is not null) await Nginx.DisposeAsync();
    }
}
