using System.Globalization;

namespace Gilmour.Benchmarks;

/// <summary>
/// CPU time (user + system) a process has used, from /proc/&lt;pid&gt;/stat: divided by the requests of a slice it
/// says where a request's time goes, which on a two-core machine bounds the rate better than any latency does.
/// </summary>
public static class CpuClock
{
    // USER_HZ: the unit of utime and stime; 100 on every Linux this runs on.
    private const double TicksPerSecond = 100;

    public static TimeSpan Used(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / TicksPerSecond);
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    public static Dictionary<string, TimeSpan> Snapshot(IReadOnlyDictionary<string, int> processes) =>
        processes.ToDictionary(p => p.Key, p => Used(p.Value));

    /// <summary>The redis-server serving <paramref name="port"/> (it names its address in its command line).</summary>
    public static int? RedisServerProcess(int port)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)) continue;
            try
            {
                var command = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (command.StartsWith("redis-server", StringComparison.Ordinal) && command.Contains($":{port}", StringComparison.Ordinal))
                    return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return null;
    }
}
