using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Faults;

/// <summary>
/// Two dispatcher replicas under load, one SIGKILLed: every request gets an answer, the survivor carries every
/// subscription on, and no request is served twice.
/// </summary>
public sealed class DispatcherKillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_one_of_two_dispatchers_under_load_leaves_every_request_answered_and_the_survivor_serving()
    {
        await using var harness = await ProxyHarness.StartAsync();
        var doomed = harness.Service(ProxyHarness.Dispatcher);
        await harness.StartServiceAsync(ProxyHarness.Dispatcher);
        await using var server = await TestNode.StartAsync();
        await using var client = await TestNode.StartAsync();
        // Timeouts far beyond an echo's answer, even on a loaded machine: only the killed replica's requests reach them.
        await harness.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"kill.echo","group":"g","path":"/echo","timeout":10}]}""");
        var clientId = await harness.Control.RegisterNodeAsync(client.Port);

        var load = RequestLoad.Start(harness.Control.BaseAddress!, clientId, "kill.echo", timeoutSeconds: 12);
        await Eventually.HoldsAsync(() => load.Outcomes.Count(o => o.Status == 200) >= 200, TimeSpan.FromSeconds(60));
        await doomed.KillAsync();
        var killedAt = load.Now;
        await Eventually.HoldsAsync(() => load.Outcomes.Count(o => o.SentAt > killedAt && o.Status == 200) >= 200,
            TimeSpan.FromSeconds(60), () => Summary(load.Outcomes, killedAt));
        await load.StopAsync();
        var outcomes = load.Outcomes;

        output.WriteLine(Summary(outcomes, killedAt));
        // Requests the killed replica had locked but not answered time out (499): nothing else may fail, and every
        // request sent once it was gone is served by the survivor, the only one left to take its lock.
        Assert.All(outcomes, o => Assert.Contains(o.Status, new[] { 200, 499 }));
        Assert.All(outcomes.Where(o => o.SentAt > killedAt), o => Assert.Equal(200, o.Status));
        var lost = outcomes.Count(o => o.Status == 499);
        Assert.True(lost <= 8, $"{lost} requests timed out: more than the 8 that can be in flight at the killed replica");
        // Exactly once: the node saw each served request once.
        var delivered = server.DeliveriesTo("/echo").Select(d => d.Body.GetProperty("data").GetInt32()).ToList();
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
    }

    private static string Summary(IEnumerable<Outcome> outcomes, TimeSpan killedAt)
    {
        var list = outcomes.ToList();
        var after = list.Where(o => o.SentAt > killedAt).ToList();
        return $"{list.Count} requests sent, {list.Count(o => o.Status == 200)} answered 200, {list.Count(o => o.Status == 499)} timed out (499), " +
               $"{list.Count(o => o.Status is not 200 and not 499)} other; after the kill at {killedAt.TotalSeconds:F1} s: {after.Count} sent, " +
               $"{after.Count(o => o.Status == 200)} answered 200";
    }
}
