using Gilmour.Protocol;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.EndToEnd.Tests;

/// <summary>The mode for an operator's own Redis: the app host runs none and hands the services the given one.</summary>
public sealed class ExternalModeTests
{
    [Fact]
    public async Task In_external_mode_the_services_use_the_redis_named_by_the_connection_string()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();

        await using var app = await GilmourApp.StartAsync("external", $"--ConnectionStrings:redis={redis.ConnectionString}");
        var python = await app.PythonNodeAsync();
        Assert.Equal("ok", python.GetProperty("status").GetString());

        // The dispatcher holds the Python node's subscriptions on exactly this server.
        await using var connection = await redis.ConnectAsync();
        var channel = Channels.Request("sample.echo");
        var numsub = (RedisResult[])(await connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        Assert.True((long)numsub[1] >= 1, $"nobody subscribes to {channel} on the external Redis\n{app.Logs}");
    }
}
