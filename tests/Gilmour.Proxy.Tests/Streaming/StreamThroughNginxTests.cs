using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// A node with no listening port at all, behind the one public URL of a deployment (nginx in front of two
/// ControlApis): it registers, holds its stream and posts its replies through the ingress, and is served.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamThroughNginxTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_node_that_only_dials_out_is_served_through_nginx_in_front_of_two_control_apis()
    {
        // Heartbeats shorter than anything nginx would notice; the stream outlives several of them idle.
        await using var harness = await ProxyHarness.StartAsync(StreamProxy.Fast);
        await harness.StartServiceAsync(ProxyHarness.ControlApi);
        await using var ingress = await StreamIngress.StartAsync(harness.Services.Where(s => s.Name == ProxyHarness.ControlApi).Select(s => s.BaseAddress));
        using var http = new HttpClient { BaseAddress = ingress.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        var service = StreamProxy.Topic("ingress");
        var slot = StreamProxy.Topic("ingress.note");
        await using var node = new StreamingNode(http);
        await node.RegisterAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v","timeout":20}],"slots":[{"topic":"{{slot}}","path":"/s"}]}""");
        await node.ConnectAsync();
        var sender = (await http.PostAsync("/nodes", """{"transport":"none"}""")).Body.GetProperty("id").GetString()!;

        // Idle for a few heartbeats: keepalives come through, the stream stays open.
        await node.WaitForAsync(() => node.Keepalives >= 3, Limit, "no keepalives came through nginx");
        Assert.True(node.Reading);

        var answers = await Task.WhenAll(Enumerable.Range(1, 50).Select(n =>
            http.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":{{n}},"timeout":20}""")));
        Assert.All(answers, a => Assert.True(a.Code == 200, a.ToString()));
        Assert.Equal(Enumerable.Range(1, 50), answers.Select(a => a.Body.GetProperty("messages")[0].GetProperty("data").GetInt32()));
        Assert.Equal(200, (await http.PostAsync($"/signal/{sender}", $$"""{"topic":"{{slot}}","message":"through nginx"}""")).Code);
        await node.WaitForAsync(() => node.Signals.Count == 1, Limit, "the signal never came");

        // Dropped and opened again through the ingress, possibly to the other ControlApi: ready, and served.
        await node.CloseStreamAsync();
        using var redis = await harness.Redis.ConnectAsync();
        await Eventually.HoldsAsync(async () => (await new NodeRegistry(redis).GetAsync(node.Id))?.Status == NodeStatus.Unavailable, Limit,
            () => "the node stayed ok after its stream dropped\n" + harness.Logs);
        await node.ConnectAsync();
        var again = await http.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":"again","timeout":20}""");
        Assert.True(again.Code == 200, again.ToString());
    }
}
