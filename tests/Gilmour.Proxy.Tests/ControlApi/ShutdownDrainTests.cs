using System.Net;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>A ControlApi told to stop (SIGTERM) drains first: still serving, /health 503, each connection closed after its answer.</summary>
public sealed class ShutdownDrainTests
{
    [Fact]
    public async Task A_stopping_ControlApi_answers_health_503_and_closes_each_connection_after_serving_it_until_it_stops()
    {
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            // The checks below must all fall within the drain, on however loaded a machine: the drain, not the test,
            // decides when the ControlApi stops, so it is long.
            ["Gilmour__ControlApi__ShutdownDrainSeconds"] = "10",
        });
        await using var node = await TestNode.StartAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port);
        var control = proxy.Service(ProxyHarness.ControlApi);
        using var http = new HttpClient { BaseAddress = control.BaseAddress };
        var before = await http.GetAnswerAsync($"/nodes/{id}");
        Assert.Equal(HttpStatusCode.OK, before.Status);
        Assert.False(before.Headers.ConnectionClose ?? false);

        var stopping = control.TerminateAsync(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(async () => (await http.GetAsync("/health")).StatusCode == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(10), () => $"/health never said 503 while stopping\n{proxy.Logs}");
        var during = await http.GetAnswerAsync($"/nodes/{id}");

        Assert.Equal(HttpStatusCode.OK, during.Status);
        Assert.True(during.Headers.ConnectionClose, $"no Connection: close while draining: {during.Headers}");
        await stopping;
        Assert.Equal(0, control.ExitCode);
    }
}
