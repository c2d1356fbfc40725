using System.ComponentModel;
using System.Diagnostics;

namespace Gilmour.AppHost.Redis;

/// <summary>
/// Asks Docker (or Podman) whether its engine runs, within a bounded wait. The client alone is not enough: on
/// machines with the docker CLI but no daemon, <c>docker info</c> fails, and that is the case to detect.
/// </summary>
public static class ContainerRuntimeProbe
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(3);

    /// <summary>The first runtime whose engine answers (name and server version), or null and why not.</summary>
    /// <param name="preferred">ASPIRE_CONTAINER_RUNTIME when set: the only runtime Aspire would use.</param>
    public static async Task<(string? Runtime, string Problem)> FindHealthyAsync(string? preferred)
    {
        string[] candidates = string.IsNullOrWhiteSpace(preferred) ? ["docker", "podman"] : [preferred];
        var problems = new List<string>();
        foreach (var runtime in candidates)
        {
            var (version, problem) = await ServerVersionAsync(runtime);
            if (version is not null) return ($"{runtime} {version}", "");
            problems.Add($"{runtime}: {problem}");
        }
        return (null, "no healthy container runtime (" + string.Join("; ", problems) + ")");
    }

    private static async Task<(string? Version, string Problem)> ServerVersionAsync(string runtime)
    {
        var info = new ProcessStartInfo(runtime)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "info", "--format", "{{.ServerVersion}}" }) info.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new Win32Exception("not started");
        }
        catch (Win32Exception)
        {
            return (null, "not installed");
        }

        using (process)
        {
            using var limit = new CancellationTokenSource(Limit);
            try
            {
                var output = process.StandardOutput.ReadToEndAsync(limit.Token);
                var error = process.StandardError.ReadToEndAsync(limit.Token);
                await process.WaitForExitAsync(limit.Token);
                var version = (await output).Trim();
                if (process.ExitCode == 0 && version.Length > 0) return (version, "");
                var firstErrorLine = (await error).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
                return (null, firstErrorLine ?? $"exit code {process.ExitCode}");
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (null, $"no answer within {Limit.TotalSeconds:0} s");
            }
        }
    }
}
