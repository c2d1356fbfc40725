using System.Globalization;
using System.Text;

namespace Gilmour.Benchmarks;

/// <summary>Markdown tables of a run: every requester per cell, the proxy's ratios to both baselines, RSS, the issue's targets.</summary>
public static class Report
{
    private const double MiB = 1024 * 1024;

    public static string Size(int bytes) =>
        bytes >= 1_048_576 && bytes % 1_048_576 == 0 ? $"{bytes / 1_048_576} MB"
        : bytes >= 1024 && bytes % 1024 == 0 ? $"{bytes / 1024} KB"
        : $"{bytes} B";

    public static string Cells(IReadOnlyList<Measurement> measurements)
    {
        var text = new StringBuilder();
        text.AppendLine("| c | size | requester | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | req/s vs (a) | req/s vs (b) | p50 vs (b) | req/s vs (b') | p50 vs (b') |");
        text.AppendLine("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var cell in measurements.GroupBy(m => (m.Concurrency, m.Size)))
        {
            var floor = cell.FirstOrDefault(m => m.Requester.StartsWith("floor", StringComparison.Ordinal));
            var goStyle = cell.FirstOrDefault(m => m.Requester.StartsWith("go-style", StringComparison.Ordinal));
            var goPooled = cell.FirstOrDefault(m => m.Requester.StartsWith("go-pooled", StringComparison.Ordinal));
            foreach (var m in cell)
            {
                var isProxy = m.Requester is ProxyRoundTrip.Callback or ProxyRoundTrip.Streaming;
                text.AppendLine(Invariant($"| {m.Concurrency} | {Size(m.Size)} | {m.Requester} | {m.RequestsPerSecond:F0} | {m.P50:F2} | {m.P90:F2} | {m.P99:F2} | {m.Max:F1} | {m.Errors} | {(isProxy && floor is not null ? Ratio(m.RequestsPerSecond, floor.RequestsPerSecond) : "")} | {(isProxy && goStyle is not null ? Ratio(m.RequestsPerSecond, goStyle.RequestsPerSecond) : "")} | {(isProxy && goStyle is not null ? Ratio(m.P50, goStyle.P50) : "")} | {(isProxy && goPooled is not null ? Ratio(m.RequestsPerSecond, goPooled.RequestsPerSecond) : "")} | {(isProxy && goPooled is not null ? Ratio(m.P50, goPooled.P50) : "")} |"));
            }
        }
        return text.ToString();
    }

    /// <summary>The streaming node beside the callback node, cell by cell: the ratios streaming / callback.</summary>
    public static string Streaming(IReadOnlyList<Measurement> measurements)
    {
        var text = new StringBuilder();
        text.AppendLine("| c | size | callback req/s | stream req/s | req/s stream/callback | callback p50 ms | stream p50 ms | p50 stream/callback | callback p99 ms | stream p99 ms | p99 stream/callback |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var cell in measurements.GroupBy(m => (m.Concurrency, m.Size)))
        {
            var callback = cell.FirstOrDefault(m => m.Requester == ProxyRoundTrip.Callback);
            var stream = cell.FirstOrDefault(m => m.Requester == ProxyRoundTrip.Streaming);
            if (callback is null || stream is null) continue;
            text.AppendLine(Invariant($"| {cell.Key.Concurrency} | {Size(cell.Key.Size)} | {callback.RequestsPerSecond:F0} | {stream.RequestsPerSecond:F0} | {Ratio(stream.RequestsPerSecond, callback.RequestsPerSecond)} | {callback.P50:F2} | {stream.P50:F2} | {Ratio(stream.P50, callback.P50)} | {callback.P99:F2} | {stream.P99:F2} | {Ratio(stream.P99, callback.P99)} |"));
        }
        return text.ToString();
    }

    /// <summary>CPU milliseconds per answered request, by process: where a request's time goes.</summary>
    public static string Cpu(IEnumerable<string> processes, IReadOnlyList<Measurement> measurements)
    {
        var names = processes.Order(StringComparer.Ordinal).ToList();
        var text = new StringBuilder();
        text.AppendLine($"| CPU ms per request | c | size | {string.Join(" | ", names)} | total |");
        text.AppendLine($"|---|---:|---:|{string.Concat(names.Select(_ => "---:|"))}---:|");
        foreach (var m in measurements)
            text.AppendLine(Invariant($"| {m.Requester} | {m.Concurrency} | {Size(m.Size)} | {string.Join(" | ", names.Select(n => m.CpuMsPerRequest(n).ToString("F3", CultureInfo.InvariantCulture)))} | {names.Sum(m.CpuMsPerRequest):F3} |"));
        return text.ToString();
    }

    /// <param name="idle">RSS by service, for each idle moment (its label)</param>
    public static string Rss(IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> idle, IReadOnlyList<Measurement> measurements)
    {
        var text = new StringBuilder();
        var services = idle.Values.First().Keys.Order(StringComparer.Ordinal).ToList();
        text.AppendLine($"| peak RSS MiB | {string.Join(" | ", services)} |");
        text.AppendLine($"|---|{string.Concat(services.Select(_ => "---:|"))}");
        foreach (var (moment, rss) in idle)
            text.AppendLine($"| {moment} | {string.Join(" | ", services.Select(s => Mib(rss[s])))} |");
        foreach (var m in measurements.Where(m => m.Requester == "proxy"))
            text.AppendLine($"| c={m.Concurrency}, {Size(m.Size)} | {string.Join(" | ", services.Select(s => Mib(m.PeakRssBytes.GetValueOrDefault(s))))} |");
        return text.ToString();
    }

    /// <summary>The issue's acceptance figures, each with the measured value and whether it holds.</summary>
    public static string Targets(IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> idle, IReadOnlyList<Measurement> measurements)
    {
        var text = new StringBuilder();
        Measurement? Find(string requester, int concurrency) =>
            measurements.FirstOrDefault(m => (m.Requester == requester || m.Requester.StartsWith(requester + " ", StringComparison.Ordinal))
                && m.Concurrency == concurrency && m.Size == 100);

        void Check(string what, double value, double limit, bool atLeast, string unit)
        {
            if (double.IsNaN(value)) return;
            var holds = atLeast ? value >= limit : value <= limit;
            text.AppendLine(Invariant($"- {(holds ? "PASS" : "FAIL")} {what}: {value:F2}{unit} (target {(atLeast ? ">=" : "<=")} {limit}{unit})"));
        }

        if (Find("proxy", 64) is { } proxy64 && Find("floor", 64) is { } floor64 && Find("go-style", 64) is { } go64)
        {
            Check("c=64 100 B req/s vs go-style (b)", proxy64.RequestsPerSecond / go64.RequestsPerSecond, 2.0, true, "x");
            Check("c=64 100 B req/s vs floor (a)", proxy64.RequestsPerSecond / floor64.RequestsPerSecond, 0.5, true, "x");
            Check("c=64 100 B p99", proxy64.P99, 25, false, " ms");
        }
        if (Find("proxy", 1) is { } proxy1 && Find("go-style", 1) is { } go1)
            Check("c=1 100 B p50 vs go-style (b)", proxy1.P50 / go1.P50, 2.0, false, "x");
        // The streaming node against the callback node, in the same run.
        if (Find(ProxyRoundTrip.Streaming, 64) is { } stream64 && Find(ProxyRoundTrip.Callback, 64) is { } callback64)
            Check("c=64 100 B streaming node req/s vs callback node", stream64.RequestsPerSecond / callback64.RequestsPerSecond, 1.0, true, "x");
        if (Find(ProxyRoundTrip.Streaming, 1) is { } stream1 && Find(ProxyRoundTrip.Callback, 1) is { } callback1)
            Check("c=1 100 B streaming node p50 vs callback node", stream1.P50 / callback1.P50, 1.2, false, "x");
        // The same two targets against (b'), the Go baseline with Go's connection use: for information beside (b).
        if (Find("proxy", 64) is { } p64 && Find("go-pooled", 64) is { } pooled64)
            Check("c=64 100 B req/s vs go-pooled (b') [information]", p64.RequestsPerSecond / pooled64.RequestsPerSecond, 2.0, true, "x");
        if (Find("proxy", 1) is { } p1 && Find("go-pooled", 1) is { } pooled1)
            Check("c=1 100 B p50 vs go-pooled (b') [information]", p1.P50 / pooled1.P50, 2.0, false, "x");
        // After the last cell (1 MB messages in the standard table) the figure is for information: the target is
        // about an idle service, not one that just moved a gigabyte.
        foreach (var (moment, rss) in idle)
            foreach (var (service, bytes) in rss.OrderBy(p => p.Key, StringComparer.Ordinal))
                Check($"{service} RSS {moment}{(moment.Contains("last cell", StringComparison.Ordinal) ? " [information]" : "")}", bytes / MiB, 150, false, " MiB");
        foreach (var m in measurements.Where(m => m.Requester == "proxy" && m.Concurrency == 256))
            foreach (var (service, bytes) in m.PeakRssBytes.OrderBy(p => p.Key, StringComparer.Ordinal))
                Check($"{service} peak RSS at c=256 {Size(m.Size)}", bytes / MiB, 300, false, " MiB");
        return text.ToString();
    }

    public static string Mib(long bytes) => (bytes / MiB).ToString("F0", CultureInfo.InvariantCulture);

    private static string Ratio(double value, double baseline) =>
        baseline > 0 && !double.IsNaN(value) ? (value / baseline).ToString("F2", CultureInfo.InvariantCulture) + "x" : "-";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
