using Gilmour.ServiceDefaults;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Sentinel;

/// <summary>
/// Deployments the services cannot run on are refused as soon as a service connects, with one line saying why and
/// exit code 1: Redis Cluster, Sentinels named without a service name, a lone replica.
/// </summary>
public sealed class RedisDeploymentTests
{
    private static readonly string[] Services = [ProxyHarness.ControlApi, ProxyHarness.Dispatcher, ProxyHarness.HealthMonitor];

    [Fact]
    public async Task Every_service_refuses_Redis_Cluster_and_says_why()
    {
        var directory = Directory.CreateTempSubdirectory("gilmour-cluster-");
        try
        {
            await using var node = new RedisServer
            {
                ExtraArguments = ["--dir", directory.FullName, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"],
            };
            await node.StartAsync();

            foreach (var refused in await Task.WhenAll(Services.Select(service => RefusedAsync(service, node.ConnectionString))))
                Assert.Contains(RedisDeployment.ClusterRefused, refused);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_service_given_Sentinels_without_a_service_name_refuses_to_run_and_says_why()
    {
        await using var cluster = await SentinelCluster.StartAsync(replicas: 0, sentinels: 1);
        var withoutName = $"127.0.0.1:{cluster.SentinelPorts[0]},abortConnect=false";

        Assert.Contains(RedisDeployment.SentinelWithoutServiceName, await RefusedAsync(ProxyHarness.ControlApi, withoutName));
    }

    [Fact]
    public async Task A_service_given_a_lone_replica_refuses_to_run_and_says_why()
    {
        await using var cluster = await SentinelCluster.StartAsync(replicas: 1, sentinels: 1);

        var refused = await RefusedAsync(ProxyHarness.ControlApi, cluster.Replicas[0].ConnectionString);

        Assert.Contains($"Redis at 127.0.0.1:{cluster.Replicas[0].Port} is a read-only replica", refused);
    }

    /// <returns>The output of a service that exited with code 1 (before or soon after it first answered /health).</returns>
    private static async Task<string> RefusedAsync(string service, string connectionString)
    {
        ServiceProcess process;
        try
        {
            process = await ServiceProcess.StartAsync(service, connectionString, readyWithin: TimeSpan.FromSeconds(60));
        }
        catch (InvalidOperationException failure)
        {
            Assert.Contains("exited with code 1", failure.Message);
            return failure.Message;
        }
        await using (process)
        {
            await Eventually.HoldsAsync(() => process.HasExited && process.Output.Contains("Stopping:"), TimeSpan.FromSeconds(30), () => process.Output);
            Assert.Equal(1, process.ExitCode);
            return process.Output;
        }
    }
}
