using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Gilmour.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gilmour.EndToEnd.Tests;

/// <summary>The mode a machine with only the .NET SDK falls back to: Redis is the embedded Garnet server.</summary>
public sealed class GarnetModeTests
{
    [Fact]
    public async Task In_garnet_mode_the_whole_chain_runs_on_the_embedded_Garnet_server()
    {
        await using var app = await GilmourApp.StartAsync(redisMode: "garnet");

        var model = app.App.Services.GetRequiredService<DistributedApplicationModel>();
        var redis = Assert.Single(model.Resources, r => r.Name == GilmourApp.Redis);
        var project = Assert.IsType<ProjectResource>(redis);
        Assert.EndsWith("Gilmour.Garnet.csproj", project.GetProjectMetadata().ProjectPath);

        var python = await app.PythonNodeAsync();
        Assert.Equal("ok", python.GetProperty("status").GetString());

        await using var node = await TestNode.StartAsync();
        var id = await app.RegisterAsync(node);
        var (status, answer) = await app.RequestAsync(id, new { topic = "sample.fib", message = 30, timeout = 10 });
        Assert.True(status == 200, $"HTTP {status}: {answer}\n{app.Logs}");
        Assert.Equal(832040, answer.GetProperty("messages")[0].GetProperty("data").GetProperty("fib").GetInt32());
    }
}
