namespace Gilmour.Benchmarks;

/// <summary>One slice of closed-loop load: latencies (ms) of the answered requests, errors, wall time, peak RSS, CPU used.</summary>
/// <param name="Cpu">CPU time each watched process used during the slice.</param>
public sealed record LoadSample(List<double> Latencies, long Errors, double Seconds, IReadOnlyDictionary<string, long> PeakRssBytes,
    IReadOnlyDictionary<string, TimeSpan> Cpu);
