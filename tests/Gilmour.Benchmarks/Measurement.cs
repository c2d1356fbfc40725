namespace Gilmour.Benchmarks;

/// <summary>What one requester did in one cell: throughput, latency percentiles (ms), errors, and the services' peak RSS.</summary>
public sealed record Measurement(string Requester, int Concurrency, int Size, long Completed, long Errors, double Seconds,
    double P50, double P90, double P99, double Max, IReadOnlyDictionary<string, long> PeakRssBytes)
{
    public double RequestsPerSecond => Completed / Seconds;

    /// <param name="latencies">Milliseconds of every successful request.</param>
    public static Measurement Of(string requester, int concurrency, int size, List<double> latencies, long errors,
        double seconds, IReadOnlyDictionary<string, long> peakRss)
    {
        latencies.Sort();
        double At(double quantile) =>
            latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(quantile * latencies.Count) - 1)];
        return new Measurement(requester, concurrency, size, latencies.Count, errors, seconds,
            At(0.50), At(0.90), At(0.99), latencies.Count == 0 ? double.NaN : latencies[^1], peakRss);
    }
}
