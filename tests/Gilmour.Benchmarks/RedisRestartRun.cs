using System.Diagnostics;
using System.Globalization;

namespace Gilmour.Benchmarks;

/// <summary>
/// How soon the proxy serves again after its Redis restarts (SHUTDOWN SAVE, down for a second, back from its dump, as a
/// Redis with persistence restarts): the time from Redis answering again to the first request answered 200. A fault
/// test proves that it serves again and that nothing hangs meanwhile; how fast depends on the machine, so the figure
/// is this benchmark's to report.
/// </summary>
public static class RedisRestartRun
{
    public static readonly TimeSpan Target = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);

    public static async Task<string> RunAsync(BenchmarkChain chain)
    {
        var roundTrip = new ProxyRoundTrip(chain.Http, chain.NodeId, BenchmarkChain.ProxyTopic, new Payload(100));
        await chain.Proxy.Redis.ShutdownSavingAsync();
        await Task.Delay(TimeSpan.FromSeconds(1));
        await chain.Proxy.Redis.StartAsync();
        var back = Stopwatch.StartNew();
        var failed = 0;
        while (back.Elapsed < GiveUpAfter)
        {
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                if (await roundTrip.SendAsync(limit.Token)) return Line(back.Elapsed, failed);
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
            }
            failed++;
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
        return $"- FAIL Redis restart: the proxy did not serve again within {GiveUpAfter.TotalSeconds:F0} s ({failed} requests failed)";
    }

    private static string Line(TimeSpan recovered, int failed) => string.Create(CultureInfo.InvariantCulture,
        $"- {(recovered <= Target ? "PASS" : "FAIL")} Redis restart: first 200 {recovered.TotalSeconds:F2} s after Redis answered again, " +
        $"{failed} requests failed before it (target <= {Target.TotalSeconds:F0} s)");
}
