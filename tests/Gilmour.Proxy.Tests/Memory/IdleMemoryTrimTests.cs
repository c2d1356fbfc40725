using System.Text.Json;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.Memory;

/// <summary>
/// A burst of large messages grows the services' heaps by hundreds of MiB; once they are idle they give it back
/// (Gilmour:IdleMemoryTrim) instead of holding it until the next burst.
/// </summary>
public sealed class IdleMemoryTrimTests
{
    private const int MessageChars = 900_000;
    private const string TrimLogLine = "gave back memory a burst left";

    [Fact]
    public async Task After_a_burst_of_large_requests_idle_services_return_most_of_the_memory_it_took()
    {
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__IdleMemoryTrim__IdleSeconds"] = "1",
        });
        await using var node = await TestNode.StartAsync();
        node.Handle("/echo", delivery => new NodeAnswer(200, delivery.Body.GetProperty("data").GetRawText()));
        var topic = "trim.echo";
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(topic, "/echo"));
        var services = new[] { proxy.Service(ProxyHarness.ControlApi), proxy.Service(ProxyHarness.Dispatcher) };
        var idleBefore = services.Select(s => Resident(s.ProcessId)).ToArray();

        var body = JsonSerializer.Serialize(new { topic, message = new string('x', MessageChars), timeout = 30 });
        for (var round = 0; round < 4; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => proxy.Control.PostAsync($"/request/{id}", body)));
            Assert.All(answers, answer => Assert.True(answer.Code == 200, answer.ToString()[..Math.Min(300, answer.ToString().Length)]));
        }
        var afterBurst = services.Select(s => Resident(s.ProcessId)).ToArray();
        for (var i = 0; i < services.Length; i++)
            Assert.True(afterBurst[i] > idleBefore[i] + (64L << 20),
                $"{services[i].Name} grew only from {idleBefore[i] >> 20} to {afterBurst[i] >> 20} MiB: the burst proves nothing");

        // Each service trims on its own once a whole idle period has passed: back under half of what the burst added,
        // and saying so (its log line reaches the test's reader a little after the memory is gone).
        await Eventually.HoldsAsync(
            () => Enumerable.Range(0, services.Length).All(i =>
                Resident(services[i].ProcessId) < idleBefore[i] + (afterBurst[i] - idleBefore[i]) / 2
                && services[i].Output.Contains(TrimLogLine, StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30),
            () => string.Join(", ", services.Select((s, i) => $"{s.Name} {idleBefore[i] >> 20} -> {afterBurst[i] >> 20} -> {Resident(s.ProcessId) >> 20} MiB")) + "\n" + proxy.Logs);
    }

    private static long Resident(int processId) => ResidentMemory.Of(processId);
}
