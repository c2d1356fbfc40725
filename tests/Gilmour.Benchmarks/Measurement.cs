namespace Gilmour.Benchmarks;

/// <summary>What one requester did in one cell: throughput, latency percentiles (ms), errors, the services' peak RSS, the CPU each process used.</summary>
public sealed record Measurement(string Requester, int Concurrency, int Size, long Completed, long Errors, double Seconds,
    double P50, double P90, double P99, double Max, IReadOnlyDictionary<string, long> PeakRssBytes,
    IReadOnlyDictionary<string, TimeSpan> Cpu)
{
    public double RequestsPerSecond => Completed / Seconds;

    /// <summary>CPU milliseconds a process spent per answered request.</summary>
    public double CpuMsPerRequest(string process) =>
        Completed == 0 ? double.NaN : Cpu.GetValueOrDefault(process).TotalMilliseconds / Completed;

    /// <summary>The slices of one requester in one cell, as one measurement.</summary>
    public static Measurement Of(string requester, int concurrency, int size, IReadOnlyList<LoadSample> samples)
    {
        var latencies = new List<double>(samples.Sum(s => s.Latencies.Count));
        var peaks = new Dictionary<string, long>();
        var cpu = new Dictionary<string, TimeSpan>();
        foreach (var sample in samples)
        {
            latencies.AddRange(sample.Latencies);
            foreach (var (service, bytes) in sample.PeakRssBytes) peaks[service] = Math.Max(bytes, peaks.GetValueOrDefault(service));
            foreach (var (process, used) in sample.Cpu) cpu[process] = cpu.GetValueOrDefault(process) + used;
        }
        latencies.Sort();
        double At(double quantile) =>
            latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(quantile * latencies.Count) - 1)];
        return new Measurement(requester, concurrency, size, latencies.Count, samples.Sum(s => s.Errors), samples.Sum(s => s.Seconds),
            At(0.50), At(0.90), At(0.99), latencies.Count == 0 ? double.NaN : latencies[^1], peaks, cpu);
    }
}
