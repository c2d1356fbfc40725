using System.Diagnostics;
using System.Text;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Clients;

/// <summary>One client package's own test command, run as a child process in its folder of the repository.</summary>
public static class ClientSuite
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(8);

    /// <summary>Runs <paramref name="command"/> in <paramref name="folder"/> (relative to the repository root) with
    /// <paramref name="environment"/> added; returns its exit code and everything it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string folder, string command, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(command)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.Combine(ServiceProcess.RepositoryRoot, folder),
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment) info.Environment[key] = value;
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        info.Environment["NO_COLOR"] = "1";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"could not start {command} in {folder}: {e.Message}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            lock (output) output.AppendLine($"(killed after {Limit.TotalMinutes} minutes)");
            return (-1, output.ToString());
        }
        // The parameterless wait also waits for the redirected output to be read to its end.
        await process.WaitForExitAsync();
        lock (output) return (process.ExitCode, output.ToString());
    }
}
