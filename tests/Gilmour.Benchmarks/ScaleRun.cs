using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Gilmour.Benchmarks;

/// <summary>
/// Registers nodes x subscriptions (1,000 x 10 by default) through POST /nodes and reports the rate,
/// then compares the proxy's per-message latency with 10,000 subscriptions present to the figure with 10.
/// </summary>
public static class ScaleRun
{
    /// <summary>Registrations in flight at once: each waits for a dispatcher to make its subscriptions live.</summary>
    private const int RegistrationConcurrency = 8;

    private static readonly int[] Concurrencies = [1, 16];

    public static async Task<string> RunAsync(BenchmarkChain chain, BenchmarkOptions options, RssSampler rss,
        IReadOnlyDictionary<string, int> cpu)
    {
        var duration = TimeSpan.FromSeconds(options.Seconds);
        var payload = new Payload(100);
        var before = await MeasureAsync(chain, payload, duration, rss, cpu);

        // The benchmark node already holds its share of subscriptions: it is the first of the nodes.
        var remaining = options.ScaleNodes - 1;
        var next = 0;
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var registrars = Enumerable.Range(0, RegistrationConcurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) <= remaining)
            {
                var services = Enumerable.Range(0, options.ScaleSubscriptionsPerNode)
                    .Select(k => (object)new { topic = $"bench.scale.{index}.{k}", group = BenchmarkChain.Group, path = EchoNode.EchoPath })
                    .ToList();
                try
                {
                    await BenchmarkChain.RegisterAsync(chain.Http, chain.Node.Port, services);
                }
                catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref failures);
                    Console.Error.WriteLine($"scale registration {index}: {e.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(registrars);
        var registrationSeconds = clock.Elapsed.TotalSeconds;
        var idleAfter = chain.ServiceProcesses.ToDictionary(p => p.Key, p => RssSampler.ResidentBytes(p.Value));

        var after = await MeasureAsync(chain, payload, duration, rss, cpu);

        var subscriptions = options.ScaleNodes * options.ScaleSubscriptionsPerNode;
        var text = new StringBuilder();
        text.AppendLine(Invariant($"Registered {remaining - failures} nodes x {options.ScaleSubscriptionsPerNode} subscriptions in {registrationSeconds:F1} s ({(remaining - failures) / registrationSeconds:F0} nodes/s, {(remaining - failures) * options.ScaleSubscriptionsPerNode / registrationSeconds:F0} subscriptions/s, {RegistrationConcurrency} registrations in flight); {failures} failed."));
        text.AppendLine(Invariant($"RSS MiB after registration (no load): {string.Join(", ", idleAfter.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {Report.Mib(p.Value)}"))}"));
        text.AppendLine();
        text.AppendLine(Invariant($"| c | subscriptions | req/s | p50 ms | p90 ms | p99 ms | errors | p50 vs {options.ScaleSubscriptionsPerNode} subs | req/s vs {options.ScaleSubscriptionsPerNode} subs | Dispatcher CPU ms/req |"));
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i < Concurrencies.Length; i++)
        {
            var (b, a) = (before[i], after[i]);
            text.AppendLine(Invariant($"| {b.Concurrency} | {options.ScaleSubscriptionsPerNode} | {b.RequestsPerSecond:F0} | {b.P50:F2} | {b.P90:F2} | {b.P99:F2} | {b.Errors} | | | {b.CpuMsPerRequest("Dispatcher"):F3} |"));
            text.AppendLine(Invariant($"| {a.Concurrency} | {subscriptions} | {a.RequestsPerSecond:F0} | {a.P50:F2} | {a.P90:F2} | {a.P99:F2} | {a.Errors} | {a.P50 / b.P50:F2}x | {a.RequestsPerSecond / b.RequestsPerSecond:F2}x | {a.CpuMsPerRequest("Dispatcher"):F3} |"));
        }
        return text.ToString();
    }

    private static async Task<List<Measurement>> MeasureAsync(BenchmarkChain chain, Payload payload, TimeSpan duration, RssSampler rss,
        IReadOnlyDictionary<string, int> cpu)
    {
        var proxy = new ProxyRoundTrip(chain.Http, chain.NodeId, BenchmarkChain.ProxyTopic, payload);
        var measurements = new List<Measurement>();
        foreach (var concurrency in Concurrencies)
            measurements.AddRange(await LoadRun.RunCellAsync([proxy], concurrency, payload.Size, duration, rss, cpu));
        return measurements;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
