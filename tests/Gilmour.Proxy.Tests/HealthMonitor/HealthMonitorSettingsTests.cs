using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>Gilmour:HealthMonitor settings are validated at start.</summary>
public sealed class HealthMonitorSettingsTests
{
    [Theory]
    [InlineData("0", "0.5", "1", "IntervalSeconds must be greater than 0")]
    [InlineData("2", "2", "1", "ProbeTimeoutSeconds must be greater than 0 and less than IntervalSeconds")]
    [InlineData("2", "1", "0", "FailureThreshold must be at least 1")]
    public async Task HealthMonitor_with_an_invalid_setting_refuses_to_start_and_says_why(string interval, string probeTimeout, string threshold, string reason)
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ServiceProcess.StartAsync(ProxyHarness.HealthMonitor, redis.ConnectionString, new Dictionary<string, string>
            {
                ["Gilmour__HealthMonitor__IntervalSeconds"] = interval,
                ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = probeTimeout,
                ["Gilmour__HealthMonitor__FailureThreshold"] = threshold,
            }));

        Assert.Contains("exited", refused.Message);
        Assert.Contains(reason, refused.Message);
    }
}
