using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// A node with no listening port at all, behind the one public URL of a deployment (nginx in front of two
/// ControlApis): it registers, holds its stream and posts its replies through the ingress, and is served. An idle
/// stream gets its keepalives through the ingress and stays open.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamThroughNginxTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_idle_stream_gets_its_keepalives_through_nginx_and_stays_open()
    {
        // Heartbeats short enough to count several within the test. The lease then lives only a second and a half, so
        // a ControlApi stalled by the machine's load may let it lapse and the node go off the bus for a moment; the
        // stream stays open through that (the next renewal takes the lease again), and only the stream is checked here.
        await using var harness = await ProxyHarness.StartAsync(new Dictionary<string, string>(StreamProxy.Fast)
        {
            ["Gilmour__ControlApi__StreamHeartbeatSeconds"] = "0.5",
        });
        await using var ingress = await StreamIngress.StartAsync([harness.Control.BaseAddress!]);
        using var http = new HttpClient { BaseAddress = ingress.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        await using var node = new StreamingNode(http);
        await node.RegisterAsync($$"""{"services":[{"topic":"{{StreamProxy.Topic("ingress.idle")}}","group":"g","path":"/v"}]}""");
        await node.ConnectAsync();

        await node.WaitForAsync(() => node.Keepalives >= 3, Limit, "no keepalives came through nginx");
        Assert.True(node.Reading, $"the idle stream ended: {node.StreamEnd}");
        Assert.Empty(node.CloseReasons);
    }

    [Fact]
    public async Task A_node_that_only_dials_out_is_served_through_nginx_in_front_of_two_control_apis()
    {
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
