using System.Globalization;
using System.Text;

namespace Gilmour.Benchmarks;

/// <summary>
/// The external mode (<c>--external</c>): every cell again with the load and the node outside the benchmark's
/// process, as a deployment has them: wrk posts to POST /request/{id}, and the dispatcher delivers to a Node.js
/// http echo node. Nothing of .NET's HTTP client or Kestrel echo node is in these figures, only the proxy's.
/// </summary>
public static class ExternalRun
{
    public const string Topic = "bench.external.echo";

    /// <summary>The target: p99 at c=64, 100 B.</summary>
    public const double P99TargetMs = 20;

    public sealed record Cell(int Concurrency, int Size, Wrk.Result Result, IReadOnlyDictionary<string, TimeSpan> Cpu);

    public static async Task<IReadOnlyList<Cell>> RunAsync(BenchmarkChain chain, BenchmarkOptions options)
    {
        await using var node = await NodeEchoProcess.StartAsync();
        var services = new List<object> { new { topic = Topic, group = BenchmarkChain.Group, path = EchoNode.EchoPath } };
        var nodeId = await BenchmarkChain.RegisterAsync(chain.Http, node.Port, services);
        var url = new Uri(chain.Http.BaseAddress!, $"/request/{nodeId}");
        var cpu = new Dictionary<string, int>(chain.ServiceProcesses) { ["node"] = node.ProcessId };
        var seconds = Math.Max(1, (int)Math.Round(options.Seconds));

        // The dispatcher's connections to the new node and Node's own JIT warm up before anything is measured.
        await Wrk.RunAsync(url, Topic, 100, 16, Math.Max(1, (int)Math.Round(options.WarmupSeconds)));
        var cells = new List<Cell>();
        foreach (var (concurrency, size) in options.Cells())
        {
            var before = CpuClock.Snapshot(cpu);
            var result = await Wrk.RunAsync(url, Topic, size, concurrency, seconds);
            var used = CpuClock.Snapshot(cpu).ToDictionary(p => p.Key, p => p.Value - before[p.Key]);
            cells.Add(new Cell(concurrency, size, result, used));
            Console.WriteLine(FormattableString.Invariant(
                $"  c={concurrency,-4} {Benchmarks.Report.Size(size),-7} {"external",-13} {result.RequestsPerSecond,8:F0} req/s  p50 {result.P50,7:F2} ms  p99 {result.P99,7:F2} ms  errors {result.Errors}"));
        }
        // Deregistered before the node stops: a node that vanished would fail a health probe later, and the registry
        // change that follows would wake the idle services in the middle of the idle RSS figure.
        using (await chain.Http.DeleteAsync($"/nodes/{nodeId}")) { }
        return cells;
    }

    /// <param name="inProcess">the in-process cells of the same run, for the proxy's figures beside</param>
    public static string Report(IReadOnlyList<Cell> cells, IReadOnlyList<Measurement> inProcess)
    {
        var text = new StringBuilder();
        text.AppendLine("External mode (wrk -> POST /request/{id} -> proxy -> Node.js http echo node), beside the in-process proxy cells:");
        text.AppendLine();
        text.AppendLine("| c | size | req/s | p50 ms | p90 ms | p99 ms | errors | in-process req/s | in-process p99 ms | CPU ms/request ControlApi | Dispatcher | node |");
        text.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var cell in cells)
        {
            var proxy = inProcess.FirstOrDefault(m => m.Requester == "proxy" && m.Concurrency == cell.Concurrency && m.Size == cell.Size);
            string PerRequest(string process) => cell.Result.Requests == 0 ? "-"
                : (cell.Cpu.GetValueOrDefault(process).TotalMilliseconds / cell.Result.Requests).ToString("F3", CultureInfo.InvariantCulture);
            var r = cell.Result;
            text.AppendLine(FormattableString.Invariant(
                $"| {cell.Concurrency} | {Benchmarks.Report.Size(cell.Size)} | {r.RequestsPerSecond:F0} | {r.P50:F2} | {r.P90:F2} | {r.P99:F2} | {r.Errors} | {(proxy is null ? "" : proxy.RequestsPerSecond.ToString("F0", CultureInfo.InvariantCulture))} | {(proxy is null ? "" : proxy.P99.ToString("F2", CultureInfo.InvariantCulture))} | {PerRequest("ControlApi")} | {PerRequest("Dispatcher")} | {PerRequest("node")} |"));
        }
        if (cells.FirstOrDefault(c => c.Concurrency == 64 && c.Size == 100) is { } c64)
            text.AppendLine().AppendLine(FormattableString.Invariant(
                $"- {(c64.Result.P99 <= P99TargetMs ? "PASS" : "FAIL")} external c=64 100 B p99: {c64.Result.P99:F2} ms (target <= {P99TargetMs} ms)"));
        return text.ToString();
    }
}
