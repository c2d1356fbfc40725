using System.Diagnostics;

namespace Gilmour.Benchmarks;

/// <summary>
/// Closed-loop load: <c>concurrency</c> clients, each sending its next request as soon as the previous one is
/// answered. Requests in flight at a slice's end finish and count; the rate divides by the time until the last
/// one finished.
/// </summary>
public static class LoadRun
{
    /// <summary>Longest slice: the requesters of a cell take turns this often (see <see cref="RunCellAsync"/>).</summary>
    public static readonly TimeSpan Slice = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Measures every requester for <paramref name="duration"/>, in turns of at most one <see cref="Slice"/> each,
    /// so that load from other work on a shared machine falls on all of them alike and the ratios stay fair.
    /// </summary>
    public static async Task<IReadOnlyList<Measurement>> RunCellAsync(IReadOnlyList<IRoundTrip> roundTrips, int concurrency, int size,
        TimeSpan duration, RssSampler? rss = null, IReadOnlyDictionary<string, int>? cpu = null)
    {
        var turns = Math.Max(1, (int)Math.Ceiling(duration / Slice));
        var slice = duration / turns;
        var samples = roundTrips.Select(_ => new List<LoadSample>()).ToArray();
        for (var turn = 0; turn < turns; turn++)
            for (var i = 0; i < roundTrips.Count; i++)
                samples[i].Add(await RunAsync(roundTrips[i], concurrency, slice, rss, cpu));
        return roundTrips.Select((roundTrip, i) => Measurement.Of(roundTrip.Name, concurrency, size, samples[i])).ToList();
    }

    /// <param name="cpu">processes (name to id) whose CPU time the slice records</param>
    public static async Task<LoadSample> RunAsync(IRoundTrip roundTrip, int concurrency, TimeSpan duration, RssSampler? rss = null,
        IReadOnlyDictionary<string, int>? cpu = null)
    {
        // Only a hung request meets this: it is counted as an error instead of stopping the run.
        using var hung = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var clients = new Task<(List<double> Latencies, long Errors)>[concurrency];
        rss?.Reset();
        var cpuBefore = CpuClock.Snapshot(cpu ?? new Dictionary<string, int>());
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < concurrency; i++) clients[i] = Task.Run(() => ClientAsync(roundTrip, clock, duration, hung.Token));
        var results = await Task.WhenAll(clients);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuUsed = CpuClock.Snapshot(cpu ?? new Dictionary<string, int>()).ToDictionary(p => p.Key, p => p.Value - cpuBefore[p.Key]);

        var latencies = new List<double>(results.Sum(r => r.Latencies.Count));
        foreach (var result in results) latencies.AddRange(result.Latencies);
        return new LoadSample(latencies, results.Sum(r => r.Errors), seconds, rss?.Peaks() ?? new Dictionary<string, long>(), cpuUsed);
    }

    private static async Task<(List<double>, long)> ClientAsync(IRoundTrip roundTrip, Stopwatch clock, TimeSpan duration,
        CancellationToken hung)
    {
        var latencies = new List<double>(4096);
        long errors = 0;
        while (clock.Elapsed < duration && !hung.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            bool ok;
            try
            {
                ok = await roundTrip.SendAsync(hung);
            }
            catch (Exception)
            {
                // Any failure (refused, reset, timed out, 5xx) is a counted error; the client goes on.
                ok = false;
            }
            if (ok) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            else errors++;
        }
        return (latencies, errors);
    }
}
