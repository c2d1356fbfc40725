using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Gilmour.Testing;

namespace Gilmour.Benchmarks;

/// <summary>
/// One run of wrk (a load generator in C, in a process of its own) posting <c>wrk-post.lua</c>'s body to a URL, and
/// what it printed: requests/s, the latency distribution, and everything that was not an answered 2xx.
/// </summary>
public static partial class Wrk
{
    private static readonly string Script = Path.Combine(ServiceProcess.RepositoryRoot, "tests", "Gilmour.Benchmarks", "wrk-post.lua");

    public sealed record Result(double RequestsPerSecond, double P50, double P90, double P99, long Requests, long Errors);

    public static async Task<Result> RunAsync(Uri url, string topic, int size, int connections, int seconds)
    {
        var info = new ProcessStartInfo("wrk") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        // One thread per core at most: wrk's threads share the two cores with the proxy.
        foreach (var arg in new[] { "-t", Math.Min(connections, 2).ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{seconds}s", "--timeout", "30s", "--latency", "-s", Script, url.ToString() })
            info.ArgumentList.Add(arg);
        info.Environment["GILMOUR_BENCH_TOPIC"] = topic;
        info.Environment["GILMOUR_BENCH_SIZE"] = size.ToString(CultureInfo.InvariantCulture);
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start");
        }
        catch (Win32Exception)
        {
            throw new InvalidOperationException("the external mode needs wrk: 'wrk' is not on the PATH (Debian: apt-get install wrk)");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var errors = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var text = await output;
            if (process.ExitCode != 0) throw new InvalidOperationException($"wrk exited with code {process.ExitCode}: {await errors}{text}");
            return Parse(text);
        }
    }

    /// <summary>Reads wrk's report (with <c>--latency</c>).</summary>
    public static Result Parse(string text)
    {
        double Percentile(string label)
        {
            var match = Regex.Match(text, $@"^\s*{label}%\s+([\d.]+)(us|ms|s|m)\s*$", RegexOptions.Multiline);
            return match.Success ? Milliseconds(match.Groups[1].Value, match.Groups[2].Value) : double.NaN;
        }

        var rate = RequestsPerSecondLine().Match(text);
        var requests = RequestsLine().Match(text);
        var non2xx = Non2xxLine().Match(text);
        var socket = SocketErrorsLine().Match(text);
        long errors = non2xx.Success ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        if (socket.Success)
            for (var i = 1; i <= 4; i++) errors += long.Parse(socket.Groups[i].Value, CultureInfo.InvariantCulture);
        return new Result(
            rate.Success ? double.Parse(rate.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN,
            Percentile("50"), Percentile("90"), Percentile("99"),
            requests.Success ? long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture) : 0,
            errors);
    }

    private static double Milliseconds(string value, string unit)
    {
        var number = double.Parse(value, CultureInfo.InvariantCulture);
        return unit switch
        {
            "us" => number / 1000,
            "ms" => number,
            "s" => number * 1000,
            _ => number * 60_000,
        };
    }

    [GeneratedRegex(@"^Requests/sec:\s+([\d.]+)", RegexOptions.Multiline)]
    private static partial Regex RequestsPerSecondLine();

    [GeneratedRegex(@"^\s*(\d+) requests in", RegexOptions.Multiline)]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
    private static partial Regex SocketErrorsLine();
}
