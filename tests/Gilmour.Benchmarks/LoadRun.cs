using System.Diagnostics;

namespace Gilmour.Benchmarks;

/// <summary>
/// Closed-loop load: <c>concurrency</c> clients, each sending its next request as soon as the previous one is
/// answered, for a fixed time. Requests in flight at the deadline finish and count; the rate divides by the time
/// until the last one finished.
/// </summary>
public static class LoadRun
{
    public static async Task<Measurement> RunAsync(IRoundTrip roundTrip, int concurrency, int size, TimeSpan duration,
        RssSampler? rss = null)
    {
        // Only a hung request meets this: it is counted as an error instead of stopping the run.
        using var hung = new CancellationTokenSource(duration + TimeSpan.FromSeconds(60));
        var clients = new Task<(List<double> Latencies, long Errors)>[concurrency];
        rss?.Reset();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < concurrency; i++) clients[i] = Task.Run(() => ClientAsync(roundTrip, clock, duration, hung.Token));
        var results = await Task.WhenAll(clients);
        var seconds = clock.Elapsed.TotalSeconds;

        var latencies = new List<double>(results.Sum(r => r.Latencies.Count));
        foreach (var result in results) latencies.AddRange(result.Latencies);
        return Measurement.Of(roundTrip.Name, concurrency, size, latencies, results.Sum(r => r.Errors), seconds,
            rss?.Peaks() ?? new Dictionary<string, long>());
    }

    private static async Task<(List<double>, long)> ClientAsync(IRoundTrip roundTrip, Stopwatch clock, TimeSpan duration,
        CancellationToken hung)
    {
        var latencies = new List<double>(4096);
        long errors = 0;
        while (clock.Elapsed < duration)
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
            if (hung.IsCancellationRequested) break;
        }
        return (latencies, errors);
    }
}
