using Gilmour.Benchmarks;
using Gilmour.Testing;

BenchmarkOptions options;
try
{
    options = BenchmarkOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

if (ServiceProcess.BuildConfiguration != "Release")
    Console.Error.WriteLine("warning: built in Debug, so the services run their Debug builds; run with -c Release for real figures");
Console.WriteLine($"Gilmour proxy benchmark: {options.Seconds} s per cell and requester, {Environment.ProcessorCount} cores, "
    + $"{ServiceProcess.BuildConfiguration} services (Production), service log level {options.ServiceLogLevel}, load average {LoadAverage.Now()}"
    + string.Concat(options.ServiceEnvironment.Select(e => $", {e.Key}={e.Value}")));

await using var chain = await BenchmarkChain.StartAsync(options, options.ScaleSubscriptionsPerNode);
await using var rss = new RssSampler(chain.ServiceProcesses);
var cpu = chain.CpuWatched;

var idleAtStart = chain.ServiceProcesses.ToDictionary(p => p.Key, p => RssSampler.ResidentBytes(p.Value));

// Every requester warms up (tiered JIT and PGO in the services, connection pools, Redis buffers) before anything is
// measured: with a one-second warm-up the first cell still paid the services' tier-1 recompilation.
foreach (var warmup in chain.RoundTrips(new Payload(100)))
    foreach (var concurrency in new[] { 16, 64, 1 })
        await LoadRun.RunAsync(warmup, concurrency, TimeSpan.FromSeconds(options.WarmupSeconds));
// A service is idle again a few seconds after its load stops: what it then holds is what it keeps between bursts.
await Task.Delay(IdleAfterLoad);
var idle = new Dictionary<string, IReadOnlyDictionary<string, long>>
{
    ["idle (registered, no load yet)"] = idleAtStart,
    [$"idle {IdleAfterLoad.TotalSeconds:F0} s after the warm-up load"] = chain.ServiceProcesses.ToDictionary(p => p.Key, p => RssSampler.ResidentBytes(p.Value)),
};

var measurements = new List<Measurement>();
foreach (var (concurrency, size) in options.Cells())
{
    var cell = await LoadRun.RunCellAsync(chain.RoundTrips(new Payload(size), concurrency, size == options.Sizes[0]), concurrency, size,
        TimeSpan.FromSeconds(options.Seconds), rss, cpu);
    measurements.AddRange(cell);
    foreach (var measurement in cell)
        Console.WriteLine($"  c={concurrency,-4} {Report.Size(size),-7} {measurement.Requester,-13} {measurement.RequestsPerSecond,8:F0} req/s  "
            + $"p50 {measurement.P50,7:F2} ms  p99 {measurement.P99,7:F2} ms  errors {measurement.Errors}");
}

var external = options.External ? await ExternalRun.RunAsync(chain, options) : null;

// The services give back what a burst left once they have been idle a while (IdleMemoryTrim, 10 s by default).
// The cold cell's fresh services run meanwhile: they load the machine, not the idle services' heaps.
var idleWait = Task.Delay(IdleAfterCells);
var cold = options.ColdSeconds > 0 ? await ColdStart.RunAsync(options, chain.Node, TimeSpan.FromSeconds(options.ColdSeconds)) : null;
await idleWait;
idle[$"idle {IdleAfterCells.TotalSeconds:F0} s after the last cell"] =
    chain.ServiceProcesses.ToDictionary(p => p.Key, p => RssSampler.ResidentBytes(p.Value));

Console.WriteLine();
Console.WriteLine(Report.Cells(measurements));
Console.WriteLine(Report.Streaming(measurements));
Console.WriteLine(Report.Cpu(cpu.Keys, measurements));
Console.WriteLine(Report.Rss(idle, measurements));
Console.WriteLine(Report.Targets(idle, measurements));
if (external is not null)
    Console.WriteLine(ExternalRun.Report(external, measurements));
if (cold is not null)
    Console.WriteLine(cold.Report(measurements.FirstOrDefault(m => m.Requester == "proxy" && m.Concurrency == ColdStart.Concurrency && m.Size == ColdStart.Size)) + "\n");

if (options.Scale)
{
    Console.WriteLine("Scale:");
    Console.WriteLine(await ScaleRun.RunAsync(chain, options, rss, cpu));
}
Console.WriteLine($"streaming node: {chain.StreamNode.RepliesPerBatch:F1} replies per POST on average over the run");
if (chain.StreamNode.FailedReplies > 0) Console.WriteLine($"streaming node: {chain.StreamNode.FailedReplies} replies not answered 200");
// Last: it restarts the Redis everything above runs on.
Console.WriteLine();
Console.WriteLine("Redis restart:");
Console.WriteLine(await RedisRestartRun.RunAsync(chain));
return measurements.Any(m => m.Completed == 0) ? 1 : 0;

internal static partial class Program
{
    private static readonly TimeSpan IdleAfterLoad = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan IdleAfterCells = TimeSpan.FromSeconds(25);
}
