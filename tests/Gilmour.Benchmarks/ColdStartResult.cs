using System.Globalization;

namespace Gilmour.Benchmarks;

/// <summary>What the cold cell measured: answered requests in each second of load, errors, the machine's load before.</summary>
/// <param name="FirstAnswer">time from the start of the load to the first answered request</param>
/// <param name="WindowCpu">CPU time each fresh service used in the first <see cref="ColdStart.Window"/></param>
public sealed record ColdStartResult(IReadOnlyList<long> PerSecond, long Errors, string LoadBefore, TimeSpan FirstAnswer,
    IReadOnlyDictionary<string, TimeSpan> WindowCpu)
{
    /// <summary>The target: fresh services reach this share of the warm c=64 rate within their first five seconds.</summary>
    public const double Target = 0.8;

    /// <summary>Requests per second over the first <paramref name="seconds"/> of load (all of it when shorter).</summary>
    public double RequestsPerSecond(int seconds)
    {
        var span = Math.Min(seconds, PerSecond.Count);
        return span == 0 ? double.NaN : (double)PerSecond.Take(span).Sum() / span;
    }

    /// <param name="warm">the warm c=64 100 B proxy cell of the same run, when it had one</param>
    public string Report(Measurement? warm)
    {
        var window = (int)Math.Min(ColdStart.Window.TotalSeconds, PerSecond.Count);
        var rate = RequestsPerSecond(window);
        var perSecond = string.Join(", ", PerSecond.Select(n => n.ToString(CultureInfo.InvariantCulture)));
        var answered = PerSecond.Take(window).Sum();
        var cpuPerRequest = answered == 0 ? double.NaN : WindowCpu.Values.Sum(t => t.TotalMilliseconds) / answered;
        var text = FormattableString.Invariant(
            $"Cold start (fresh services, c={ColdStart.Concurrency}, {Benchmarks.Report.Size(ColdStart.Size)}, load average before: {LoadBefore}): first {window} s {rate:F0} req/s");
        var detail = FormattableString.Invariant(
            $"per second: {perSecond}; first answer after {FirstAnswer.TotalMilliseconds:F0} ms; services' CPU {cpuPerRequest:F3} ms per request in the first {window} s");
        if (warm is null)
            return $"{text}; {detail}; errors {Errors} (no warm c={ColdStart.Concurrency} cell in this run to compare with)";
        var ratio = rate / warm.RequestsPerSecond;
        var warmCpu = WindowCpu.Keys.Sum(warm.CpuMsPerRequest);
        // What starting cold cost on top of the answers themselves (compiling, first connections, type loading):
        // unlike a rate, a CPU time hardly depends on how much else the machine runs.
        var extraCpu = WindowCpu.Values.Sum(t => t.TotalMilliseconds) - answered * warmCpu;
        var extraByService = string.Join(", ", WindowCpu.Select(p =>
            FormattableString.Invariant($"{p.Key} {p.Value.TotalMilliseconds - answered * warm.CpuMsPerRequest(p.Key):F0}")));
        return text + FormattableString.Invariant(
            $" = {ratio:F2}x warm c={ColdStart.Concurrency} ({warm.RequestsPerSecond:F0} req/s); {detail} ({cpuPerRequest / warmCpu:F2}x the warm cell's {warmCpu:F3}; {extraCpu:F0} ms of CPU beyond what its answers cost warm: {extraByService}); errors {Errors}\n")
            + FormattableString.Invariant(
            $"- {(ratio >= Target ? "PASS" : "FAIL")} cold start: first {window} s req/s vs warm c={ColdStart.Concurrency}: {ratio:F2}x (target >= {Target}x)");
    }
}
