namespace Gilmour.Benchmarks;

/// <summary>
/// What one run measures. Without <c>--sizes</c> the standard table runs: every concurrency at the first size
/// (100 B), plus 10 KB and 1 MB at concurrency 16; with <c>--sizes</c>, every concurrency at every size.
/// </summary>
public sealed record BenchmarkOptions
{
    public double Seconds { get; init; } = 5;

    /// <summary>Warm-up per requester before anything is measured, at each of concurrency 16, 64 and 1.</summary>
    public double WarmupSeconds { get; init; } = 5;
    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64, 256];
    public IReadOnlyList<int> Sizes { get; init; } = [100, 10_240, 1_048_576];
    public bool FullMatrix { get; init; }
    public bool Scale { get; init; }
    public int ScaleNodes { get; init; } = 1_000;
    public int ScaleSubscriptionsPerNode { get; init; } = 10;

    /// <summary>Length of the cold cell (fresh services under c=64 at once); 0 leaves it out.</summary>
    public double ColdSeconds { get; init; } = 5;

    /// <summary>Also runs every cell with wrk and a Node.js echo node, outside this process (<c>--external</c>).</summary>
    public bool External { get; init; }

    /// <summary>The services' log level: the ASP.NET per-request Information lines would be measured otherwise.</summary>
    public string ServiceLogLevel { get; init; } = "Warning";

    /// <summary>More environment for the three services (<c>--service-env KEY=VALUE</c>): runtime knobs to try.</summary>
    public IReadOnlyDictionary<string, string> ServiceEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>Concurrency of the large messages in the standard table.</summary>
    public const int LargeMessageConcurrency = 16;

    public IEnumerable<(int Concurrency, int Size)> Cells()
    {
        if (FullMatrix)
        {
            foreach (var size in Sizes)
                foreach (var concurrency in Concurrency)
                    yield return (concurrency, size);
            yield break;
        }
        foreach (var concurrency in Concurrency) yield return (concurrency, Sizes[0]);
        foreach (var size in Sizes.Skip(1)) yield return (LargeMessageConcurrency, size);
    }

    public const string Usage = """
        usage: dotnet run -c Release --project tests/Gilmour.Benchmarks -- [options]
          --seconds N          measuring time per cell and requester (default 5)
          --warmup N           warm-up per requester at concurrency 16, 64 and 1 before measuring (default 5)
          --concurrency LIST   concurrent clients, e.g. 1,16,64,256 (default)
          --sizes LIST         message sizes in bytes; given, every concurrency runs at every size
                               (default: 100 at every concurrency, 10240 and 1048576 at concurrency 16)
          --smoke              1 s per cell, concurrency 1 and 16, 100 B only
          --scale              also register 1,000 nodes x 10 subscriptions and compare latency with 10 and 10,000
          --scale-nodes N      nodes of the scale part (default 1000)
          --cold-seconds N     load on freshly started services, c=64 at once (default 5; 0 leaves it out)
          --external           also every cell with wrk -> POST /request/{id} -> a Node.js echo node
          --log-level LEVEL    the services' Logging:LogLevel:Default (default Warning)
          --service-env K=V    more environment for the services, repeatable
                               (e.g. DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0, OTEL_SDK_DISABLED=true)
        """;

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchmarkOptions();
        for (var i = 0; i < args.Count; i++)
        {
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--seconds" => options with { Seconds = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--warmup" => options with { WarmupSeconds = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--concurrency" => options with { Concurrency = List(Next()) },
                "--sizes" => options with { Sizes = List(Next()), FullMatrix = true },
                "--smoke" => options with { Seconds = 1, WarmupSeconds = 1, Concurrency = [1, 16], Sizes = [100], FullMatrix = true, ColdSeconds = 2 },
                "--scale" => options with { Scale = true },
                "--scale-nodes" => options with { ScaleNodes = int.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--cold-seconds" => options with { ColdSeconds = double.Parse(Next(), System.Globalization.CultureInfo.InvariantCulture) },
                "--external" => options with { External = true },
                "--log-level" => options with { ServiceLogLevel = Next() },
                "--service-env" => options with { ServiceEnvironment = With(options.ServiceEnvironment, Next()) },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        if (options.Seconds <= 0 || options.Concurrency.Count == 0 || options.Sizes.Count == 0
            || options.Concurrency.Any(c => c <= 0) || options.Sizes.Any(s => s <= 0) || options.ScaleNodes <= 0 || options.ColdSeconds < 0)
            throw new ArgumentException("seconds, concurrencies, sizes and scale nodes must be positive");
        return options;
    }

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> environment, string assignment)
    {
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0) throw new ArgumentException($"--service-env wants KEY=VALUE, not '{assignment}'");
        return new Dictionary<string, string>(environment) { [assignment[..equals]] = assignment[(equals + 1)..] };
    }

    private static int[] List(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => int.Parse(part, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
}
