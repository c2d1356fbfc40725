using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using Xunit.Abstractions;
using static Gilmour.Proxy.Tests.Dispatcher.DeliveryTests;

namespace Gilmour.Proxy.Tests.Memory;

/// <summary>
/// A burst of large messages grows the services' heaps by hundreds of MiB; once they are idle they give it back
/// (Gilmour:IdleMemoryTrim) instead of holding it until the next burst. What is asserted is what the service itself
/// decides and reports: that it trimmed, with a compacting collection, that the GC's committed memory fell, and that it
/// did so once in the quiet spell. How much of it the operating system takes back (RSS) depends on the allocator and
/// the machine, so that figure is the benchmark's to report, not a test's to assert.
/// </summary>
public sealed partial class IdleMemoryTrimTests(ITestOutputHelper output)
{
    private const int MessageChars = 900_000;

    [Fact]
    public async Task After_a_burst_of_large_requests_idle_services_trim_once_with_a_compacting_collection_that_lowers_the_gc_commit()
    {
        await using var proxy = await ProxyHarness.StartAsync(new Dictionary<string, string>
        {
            ["Gilmour__IdleMemoryTrim__IdleSeconds"] = "1",
            // How much a burst leaves beyond the live heap is the GC's business; QuietSpellTests cover the threshold.
            ["Gilmour__IdleMemoryTrim__MinimumSlackMiB"] = "0",
            // Every look at an idle period says at Debug what it found: the test follows them.
            ["Logging__LogLevel__Gilmour.ServiceDefaults.IdleMemoryTrim"] = "Debug",
        });
        await using var node = await TestNode.StartAsync();
        node.Handle("/echo", delivery => new NodeAnswer(200, delivery.Body.GetProperty("data").GetRawText()));
        var topic = "trim.echo";
        var id = await proxy.Control.RegisterNodeAsync(node.Port, Service(topic, "/echo"));
        var services = new[] { proxy.Service(ProxyHarness.ControlApi), proxy.Service(ProxyHarness.Dispatcher) };
        var busyBefore = services.Select(s => Occurrences(s.Output, Busy)).ToArray();

        var body = JsonSerializer.Serialize(new { topic, message = new string('x', MessageChars), timeout = 30 });
        for (var round = 0; round < 4; round++)
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => proxy.Control.PostAsync($"/request/{id}", body)));
            Assert.All(answers, answer => Assert.True(answer.Code == 200, answer.ToString()[..Math.Min(300, answer.ToString().Length)]));
        }

        // The quiet spell is what follows a service's last busy period (one of the burst's, not of its start): in its
        // first idle period the service trims, and in every later one it finds it has nothing more to do.
        string Spell(int i)
        {
            var output = services[i].Output;
            return output[Math.Max(0, output.LastIndexOf(Busy, StringComparison.Ordinal))..];
        }
        await Eventually.HoldsAsync(
            () => Enumerable.Range(0, services.Length).All(i => Occurrences(services[i].Output, Busy) > busyBefore[i]
                                                                && Trimmed().IsMatch(Spell(i))
                                                                && Occurrences(Spell(i), TrimmedAlready) >= 2),
            TimeSpan.FromSeconds(60),
            () => "the services did not trim once idle after the burst and then stay idle\n" + proxy.Logs);

        for (var i = 0; i < services.Length; i++)
        {
            var spell = Spell(i);
            var trim = Assert.Single(Trimmed().Matches(spell));
            var name = services[i].Name;
            output.WriteLine($"{name}: {trim.Value}");
            Assert.True(trim.Groups["compacted"].Value == "True", $"{name}: the trim's collection did not compact: {trim.Value}");
            Assert.True(Number(trim, "committedAfter") < Number(trim, "committedBefore"),
                $"{name}: the GC's committed memory did not fall: {trim.Value}");
            Assert.True(trim.Index < spell.IndexOf(TrimmedAlready, StringComparison.Ordinal), $"{name}: trimmed after finding nothing to do:\n{spell}");
        }
    }

    private const string Busy = "Not idle: ";

    private const string TrimmedAlready = "Still idle; this quiet spell's memory was given back already";

    [GeneratedRegex(@"gave back memory a burst left, compacting collection #(?<collection>\d+) \(compacted (?<compacted>\w+)\) " +
                    @"with (?<slack>\d+) MiB beyond the live heap: GC committed (?<committedBefore>\d+) -> (?<committedAfter>\d+) MiB")]
    private static partial Regex Trimmed();

    private static int Occurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    private static long Number(Match match, string group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
}
