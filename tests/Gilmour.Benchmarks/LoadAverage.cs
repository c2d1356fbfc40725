namespace Gilmour.Benchmarks;

/// <summary>The machine's load average (1, 5, 15 minutes), printed with a run: on a shared machine it says how busy the rest was.</summary>
public static class LoadAverage
{
    public static string Now()
    {
        try
        {
            var fields = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"{fields[0]} {fields[1]} {fields[2]}";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
