using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// A node that stops reading its stream cannot make the proxy buffer without bound: its stream is closed as too slow,
/// it goes unavailable, and every request sent to it ends at once with 502 (or 404 once it is off the bus) instead
/// of waiting for its timeout. It can then connect again and is served.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamFlowControlTests
{
    private const int Requests = 40;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly string Payload = new('x', 256 * 1024);

    [Fact]
    public async Task A_node_whose_writes_stay_blocked_is_cut_off_as_too_slow_and_its_requests_end_at_once()
    {
        // A bound on memory far above what is sent: only the blocked writes can close the stream.
        await AssertCutOffAsync(new Dictionary<string, string>(StreamProxy.Fast)
        {
            ["Gilmour__ControlApi__StreamStallSeconds"] = "1",
            ["Gilmour__ControlApi__StreamBufferBytes"] = (64L * 1024 * 1024).ToString(),
        }, "a write stayed blocked");
    }

    [Fact]
    public async Task Deliveries_piling_up_past_the_buffer_bound_close_the_stream_as_too_slow()
    {
        // A stall bound far above the test's time: only the piled-up bytes can close the stream.
        await AssertCutOffAsync(new Dictionary<string, string>(StreamProxy.Fast)
        {
            ["Gilmour__ControlApi__StreamStallSeconds"] = "600",
            ["Gilmour__ControlApi__StreamBufferBytes"] = (1024 * 1024).ToString(),
        }, "bytes of deliveries already wait");
    }

    private static async Task AssertCutOffAsync(IReadOnlyDictionary<string, string> settings, string why)
    {
        await using var harness = await ProxyHarness.StartAsync(settings);
        var service = StreamProxy.Topic("slow");
        await using var node = new StreamingNode(harness.Control);
        await node.RegisterAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/v","timeout":300}]}""");
        var sender = (await harness.Control.PostAsync("/nodes", """{"transport":"none"}""")).Body.GetProperty("id").GetString();
        await using var stalled = await StalledReader.OpenAsync(harness.Control.BaseAddress!, node.Id, Limit);

        // Each request could wait 300 s: an answer well before that is the proxy ending it.
        var requests = Enumerable.Range(0, Requests).Select(i => harness.Control.PostAsync($"/request/{sender}",
            $$"""{"topic":"{{service}}","message":"{{Payload}}","timeout":300}""")).ToList();
        var answers = await Task.WhenAll(requests).WaitAsync(Limit);

        Assert.All(answers, a => Assert.True(a.Code is 502 or 404, $"a request to the stalled node ended {a}\n{harness.Logs}"));
        Assert.Contains(answers, a => a.Code == 502);
        Assert.Contains(why, harness.Service(ProxyHarness.ControlApi).Output);
        Assert.Contains("closed (too slow)", harness.Service(ProxyHarness.ControlApi).Output);
        Assert.True(await stalled.DrainToEndAsync(TimeSpan.FromSeconds(10)), $"the proxy kept the stalled connection open; read {stalled.DrainedBytes} bytes after resuming\n{harness.Service(ProxyHarness.ControlApi).Output}");
        using var redis = await harness.Redis.ConnectAsync();
        Assert.Equal(NodeStatus.Unavailable, (await new NodeRegistry(redis).GetAsync(node.Id))!.Status);

        // The node reads again, on a new stream: served as before.
        await node.ConnectAsync();
        var answer = await harness.Control.PostAsync($"/request/{sender}", $$"""{"topic":"{{service}}","message":"back","timeout":20}""");
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.All(harness.Services, s => Assert.False(s.HasExited, $"{s.Name} died"));
    }
}
