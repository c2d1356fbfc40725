using System.Diagnostics;
using Gilmour.Testing;

namespace Gilmour.Benchmarks;

/// <summary>
/// The cold cell: freshly started services (their own redis-server, the echo node registered anew) get the full
/// c=64 load at once, as a new replica does when a load balancer adds it. What they answer in their first seconds,
/// against the warm c=64 cell of the same run, says how long a new process pays for compiling its hot paths.
/// </summary>
public static class ColdStart
{
    public const int Concurrency = 64;
    public const int Size = 100;

    /// <summary>The span the target reads: the first five seconds of load.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(5);

    /// <param name="duration">how long the load lasts; per-second rates are reported over all of it</param>
    public static async Task<ColdStartResult> RunAsync(BenchmarkOptions options, EchoNode node, TimeSpan duration)
    {
        var loadBefore = LoadAverage.Now();
        await using var proxy = await ProxyHarness.StartAsync(BenchmarkChain.ServiceSettings(options));
        using var http = BenchmarkChain.ProxyClient(proxy);
        var nodeId = await BenchmarkChain.RegisterAsync(http, node.Port, options.ScaleSubscriptionsPerNode);
        var roundTrip = new ProxyRoundTrip(http, nodeId, BenchmarkChain.ProxyTopic, new Payload(Size));

        var services = proxy.Services.ToDictionary(s => s.Name.Replace("Gilmour.", "", StringComparison.Ordinal), s => s.ProcessId);
        var perSecond = new long[(int)Math.Ceiling(duration.TotalSeconds)];
        long errors = 0;
        long firstAnswerTicks = 0;
        using var hung = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var cpuBefore = CpuClock.Snapshot(services);
        var clock = Stopwatch.StartNew();
        // The CPU the services spent in the window (the JIT's included) is what a busy machine's noise touches least.
        var window = Task.Delay(Window < duration ? Window : duration).ContinueWith(_ => CpuClock.Snapshot(services), TaskScheduler.Default);
        var clients = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && !hung.IsCancellationRequested)
            {
                bool ok;
                try
                {
                    ok = await roundTrip.SendAsync(hung.Token);
                }
                catch (Exception)
                {
                    ok = false;
                }
                var answeredAt = clock.Elapsed;
                if (ok) Interlocked.CompareExchange(ref firstAnswerTicks, answeredAt.Ticks, 0);
                if (!ok) Interlocked.Increment(ref errors);
                // An answer after the end belongs to no second of the load: it is neither counted nor an error.
                else if (answeredAt < duration) Interlocked.Increment(ref perSecond[(int)answeredAt.TotalSeconds]);
            }
        })).ToArray();
        await Task.WhenAll(clients);
        var cpuInWindow = (await window).ToDictionary(p => p.Key, p => p.Value - cpuBefore[p.Key]);
        return new ColdStartResult(perSecond, errors, loadBefore, TimeSpan.FromTicks(firstAnswerTicks), cpuInWindow);
    }
}
