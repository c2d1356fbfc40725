using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Sentinel;

/// <summary>Starting the services before their Sentinels, and connecting them to a Sentinel-watched primary directly.</summary>
public sealed class SentinelStartTests
{
    [Fact]
    public async Task Services_started_before_their_Sentinels_serve_once_the_Sentinels_are_up()
    {
        int[] ports = [FreePort.Next(), FreePort.Next(), FreePort.Next()];
        var connectionString = SentinelCluster.ConnectionStringFor(ports);
        var starting = Task.WhenAll(
            ServiceProcess.StartAsync(ProxyHarness.Dispatcher, connectionString, readyWithin: TimeSpan.FromSeconds(90)),
            ServiceProcess.StartAsync(ProxyHarness.ControlApi, connectionString, readyWithin: TimeSpan.FromSeconds(90)));
        await Task.Delay(TimeSpan.FromSeconds(3));
        await using var cluster = await SentinelCluster.StartAsync(sentinelPorts: ports);
        var services = await starting;
        try
        {
            using var control = new HttpClient { BaseAddress = services[1].BaseAddress };
            await using var server = await TestNode.StartAsync();
            await using var client = await TestNode.StartAsync();
            await control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"late.echo","group":"g","path":"/echo","timeout":5}]}""");
            var sender = await control.RegisterNodeAsync(client.Port);

            var answer = await control.PostAsync($"/request/{sender}", """{"topic":"late.echo","message":1,"timeout":5}""");

            Assert.True(answer.Code == 200, $"{answer}\n{string.Join("\n", services.Select(s => s.Output))}");
        }
        finally
        {
            foreach (var service in services) await service.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_service_given_a_Sentinel_watched_primary_directly_warns_that_it_will_not_follow_a_failover()
    {
        await using var cluster = await SentinelCluster.StartAsync(replicas: 0, sentinels: 1);

        await using var service = await ServiceProcess.StartAsync(ProxyHarness.ControlApi, cluster.Primary.ConnectionString);

        await Eventually.HoldsAsync(() => service.Output.Contains($"Redis at 127.0.0.1:{cluster.Primary.Port} is watched by Sentinels"),
            TimeSpan.FromSeconds(30), () => service.Output);
        Assert.False(service.HasExited);
    }
}
