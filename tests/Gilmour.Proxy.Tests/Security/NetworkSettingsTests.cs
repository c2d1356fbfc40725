using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>The settings that decide which addresses the proxy believes and calls are checked at start, entry by entry.</summary>
public sealed class NetworkSettingsTests
{
    [Fact]
    public async Task The_control_api_refuses_to_start_with_bad_network_settings_and_names_each()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(ProxyHarness.ControlApi, redis.ConnectionString, new Dictionary<string, string>
            {
                ["Gilmour__ControlApi__TrustedProxies__0"] = "10.0.0.5",
                ["Gilmour__ControlApi__TrustedProxies__1"] = "10.0.0.1/8",
                ["Gilmour__ControlApi__TrustedProxies__2"] = "proxy.internal",
                ["Gilmour__ControlApi__AllowedNodeHosts__0"] = "nodes.internal",
                ["Gilmour__ControlApi__AllowedNodeHosts__1"] = "10.0.0.0/33",
                ["Gilmour__ControlApi__AllowedNodeHosts__2"] = "not a host",
                ["Gilmour__ControlApi__ForwardedHeader"] = "X-Real-IP",
            }));

        Assert.Contains("exited", refused.Message);
        Assert.Contains("Gilmour:ControlApi:TrustedProxies:1 ('10.0.0.1/8') is not an IP address or a CIDR range", refused.Message);
        Assert.Contains("Gilmour:ControlApi:TrustedProxies:2 ('proxy.internal')", refused.Message);
        Assert.Contains("Gilmour:ControlApi:AllowedNodeHosts:1 ('10.0.0.0/33') is not a host name, an IP address or a CIDR range", refused.Message);
        Assert.Contains("Gilmour:ControlApi:AllowedNodeHosts:2 ('not a host')", refused.Message);
        Assert.Contains("Gilmour:ControlApi:ForwardedHeader ('X-Real-IP') must be X-Forwarded-For or Forwarded", refused.Message);
        Assert.DoesNotContain("TrustedProxies:0", refused.Message);
        Assert.DoesNotContain("AllowedNodeHosts:0", refused.Message);
    }

    [Fact]
    public async Task The_health_monitor_refuses_a_negative_dirty_node_ttl()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(ProxyHarness.HealthMonitor, redis.ConnectionString, new Dictionary<string, string>
            {
                ["Gilmour__HealthMonitor__DirtyNodeTtlSeconds"] = "-1",
            }));

        Assert.Contains("exited", refused.Message);
        Assert.Contains("DirtyNodeTtlSeconds may not be negative", refused.Message);
    }
}
