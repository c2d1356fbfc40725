namespace Gilmour.Testing;

/// <summary>What a process holds in RAM, as Linux reports it (VmRSS).</summary>
public static class ResidentMemory
{
    /// <summary>Resident set size now, in bytes (0 when the process is gone).</summary>
    public static long Of(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            // The process has exited.
        }
        return 0;
    }
}
