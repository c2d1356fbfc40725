using Gilmour.Protocol;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The external mode given Sentinels instead of one Redis: the services follow the primary the Sentinels name, and
/// keep serving the Python node's services after the Sentinels promote its replica.
/// </summary>
public sealed class ExternalSentinelModeTests
{
    [Fact]
    public async Task In_external_mode_through_Sentinels_the_services_follow_the_primary_across_a_failover()
    {
        await using var cluster = await SentinelCluster.StartAsync();
        await using var app = await GilmourApp.StartAsync("external", $"--ConnectionStrings:redis={cluster.ConnectionString}");
        await app.PythonNodeAsync();
        await using var node = await TestNode.StartAsync();
        var id = await app.RegisterAsync(node);
        await AssertServedOnAsync(cluster.Primary.Port, app);

        await cluster.KillPrimaryAsync();
        var switched = await cluster.Switched.WaitAsync(TimeSpan.FromSeconds(60));

        var status = 0;
        await Eventually.HoldsAsync(async () =>
        {
            (status, _) = await app.RequestAsync(id, new { topic = "sample.echo", message = "after", timeout = 5 });
            return status == 200;
        }, TimeSpan.FromSeconds(30), () => $"last answer {status}\n{app.Logs}");
        await AssertServedOnAsync(switched.NewPrimaryPort, app);
    }

    /// <summary>The dispatcher holds the Python node's subscriptions on exactly this server.</summary>
    private static async Task AssertServedOnAsync(int port, GilmourApp app)
    {
        await using var connection = await SentinelCluster.ConnectToAsync(port);
        var channel = Channels.Request("sample.echo");
        var numsub = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        Assert.True((long)numsub[1] >= 1, $"nobody subscribes to {channel} on 127.0.0.1:{port}\n{app.Logs}");
    }
}
