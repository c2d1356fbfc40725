using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Gilmour.Hosting.Redis;

/// <summary>
/// Asks Docker (or Podman) whether its engine runs, within a bounded wait. The client alone is not enough: on
/// machines with the docker CLI but no daemon, <c>docker info</c> fails, and that is the case to detect.
/// Synchronous, because it decides which resources <c>AddGilmour</c> adds while the app host builds its model.
/// </summary>
public static class ContainerRuntimeProbe
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    /// <summary>The first runtime whose engine answers (name and server version), or null and why not.</summary>
    /// <param name="preferred">ASPIRE_CONTAINER_RUNTIME when set: the only runtime Aspire would use.</param>
    public static (string? Runtime, string Problem) FindHealthy(string? preferred) => FindHealthy(preferred, Limit);

    /// <summary>
    /// <see cref="FindHealthy(string?)"/> with <paramref name="limit"/> for each runtime to answer instead of
    /// <see cref="Limit"/>: tests give a stub that answers all the time a loaded machine needs, and one that hangs little.
    /// </summary>
    internal static (string? Runtime, string Problem) FindHealthy(string? preferred, TimeSpan limit)
    {
        string[] candidates = string.IsNullOrWhiteSpace(preferred) ? ["docker", "podman"] : [preferred];
        var problems = new List<string>();
        foreach (var runtime in candidates)
        {
            var (version, problem) = ServerVersion(runtime, limit);
            if (version is not null) return ($"{runtime} {version}", "");
            problems.Add($"{runtime}: {problem}");
        }
        return (null, "no healthy container runtime (" + string.Join("; ", problems) + ")");
    }

    private static (string? Version, string Problem) ServerVersion(string runtime, TimeSpan limit)
    {
        var info = new ProcessStartInfo(runtime)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "info", "--format", "{{.ServerVersion}}" }) info.ArgumentList.Add(arg);

        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        var error = new StringBuilder();
        // Read as the lines come, so that a chatty runtime never blocks on a full pipe while we wait for it.
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) lock (output) output.AppendLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) lock (error) error.AppendLine(line.Data); };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            return (null, "not installed");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            return (null, $"no answer within {limit.TotalSeconds:0.###} s");
        }
        process.WaitForExit(); // flushes the last output lines
        string version, errors;
        lock (output) version = output.ToString().Trim();
        lock (error) errors = error.ToString();
        if (process.ExitCode == 0 && version.Length > 0) return (version, "");
        var firstErrorLine = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return (null, firstErrorLine ?? $"exit code {process.ExitCode}");
    }
}
