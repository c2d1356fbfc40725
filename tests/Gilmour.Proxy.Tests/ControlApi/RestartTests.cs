using System.Net;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>The ControlApi keeps no state of its own: a new process on the same Redis knows everything.</summary>
public sealed class RestartTests : IAsyncLifetime
{
    private ProxyHarness _proxy = null!;
    private readonly List<TestNode> _nodes = [];

    public async Task InitializeAsync() => _proxy = await ProxyHarness.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task A_killed_ControlApi_is_replaced_by_one_that_knows_every_registration()
    {
        for (var i = 0; i < 2; i++)
        {
            var node = await TestNode.StartAsync();
            _nodes.Add(node);
            await _proxy.Control.RegisterNodeAsync(node.Port, $$"""{"services":[{"topic":"restart.{{i}}","group":"g","path":"/s"}]}""");
        }
        var before = await _proxy.Control.GetAnswerAsync("/nodes");
        Assert.Equal(2, before.Body.GetProperty("nodes").GetArrayLength());

        await _proxy.Service(ProxyHarness.ControlApi).KillAsync();
        var replacement = await _proxy.StartServiceAsync(ProxyHarness.ControlApi);
        using var control = new HttpClient { BaseAddress = replacement.BaseAddress };

        var after = await control.GetAnswerAsync("/nodes");
        Assert.Equal(HttpStatusCode.OK, after.Status);
        Assert.Equal(before.Raw, after.Raw);

        // The new process can still manage and publish for the nodes registered through the old one.
        var publisher = before.Body.GetProperty("nodes")[0].GetProperty("id").GetString()!;
        var reply = await control.PostAsync($"/request/{publisher}", """{"topic":"restart.1","message":"again"}""");
        Assert.Equal("""{"messages":[{"data":"again","code":200}],"code":200,"length":1}""", reply.Raw);
        Assert.Equal("""{"status":"ok"}""", (await control.DeleteAnswerAsync($"/nodes/{publisher}")).Raw);
    }
}
