using System.Net;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>The ControlApi keeps no state of its own and does not need Redis to be there first.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_killed_ControlApi_is_replaced_by_one_that_knows_every_registration()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        await using var first = await TestNode.StartAsync();
        await using var second = await TestNode.StartAsync();
        await proxy.Control.RegisterNodeAsync(first.Port, """{"services":[{"topic":"restart.0","group":"g","path":"/s"}]}""");
        await proxy.Control.RegisterNodeAsync(second.Port, """{"services":[{"topic":"restart.1","group":"g","path":"/s"}]}""");
        var before = await proxy.Control.GetAnswerAsync("/nodes");
        Assert.Equal(2, before.Body.GetProperty("nodes").GetArrayLength());

        await proxy.Service(ProxyHarness.ControlApi).KillAsync();
        var replacement = await proxy.StartServiceAsync(ProxyHarness.ControlApi);
        using var control = new HttpClient { BaseAddress = replacement.BaseAddress };

        var after = await control.GetAnswerAsync("/nodes");
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(before.Raw, after.Raw);

        // The new process publishes and manages for nodes registered through the old one.
        var publisher = before.Body.GetProperty("nodes")[0].GetProperty("id").GetString()!;
        var reply = await control.PostAsync($"/request/{publisher}", """{"topic":"restart.1","message":"again"}""");
        Assert.Equal("""{"messages":[{"data":"again","code":200}],"code":200,"length":1}""", reply.Raw);
        Assert.Equal("""{"status":"ok"}""", (await control.DeleteAnswerAsync($"/nodes/{publisher}")).Raw);
    }

    [Fact]
    public async Task A_ControlApi_started_before_Redis_serves_once_Redis_is_up()
    {
        var redis = new RedisServer();
        var port = FreePort.Next();
        var starting = ServiceProcess.StartAsync(ProxyHarness.ControlApi, redis.ConnectionString, port: port);
        try
        {
            // Up and answering liveness while nothing listens on the Redis port.
            using (var probe = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(2) })
                await Eventually.HoldsAsync(async () => await IsAliveAsync(probe), TimeSpan.FromSeconds(30),
                    () => "the ControlApi never answered /alive without Redis");

            await redis.StartAsync();
            var controlApi = await starting;
            await using var dispatcher = await ServiceProcess.StartAsync(ProxyHarness.Dispatcher, redis.ConnectionString);
            await using var node = await TestNode.StartAsync();
            using var control = new HttpClient { BaseAddress = controlApi.BaseAddress };

            var id = await control.RegisterNodeAsync(node.Port, """{"services":[{"topic":"late.redis","group":"g","path":"/s"}]}""");
            var reply = await control.PostAsync($"/request/{id}", """{"topic":"late.redis","message":[1]}""");

            Assert.Equal("""{"messages":[{"data":[1],"code":200}],"code":200,"length":1}""", reply.Raw);
        }
        finally
        {
            try
            {
                await (await starting).DisposeAsync();
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                // It never became healthy: the test has failed already, and StartAsync stopped the process.
            }
            await redis.StopAsync();
        }
    }

    private static async Task<bool> IsAliveAsync(HttpClient probe)
    {
        try
        {
            using var response = await probe.GetAsync("/alive");
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
