using System.ComponentModel;
using System.Diagnostics;
using Gilmour.Testing;

namespace Gilmour.Benchmarks;

/// <summary>
/// The external mode's node: <c>echo-node.js</c> under <c>node</c> (Node.js's http module) on a free loopback port,
/// in a process of its own as a node in another language is. Disposing kills it.
/// </summary>
public sealed class NodeEchoProcess : IAsyncDisposable
{
    private static readonly string Script = Path.Combine(ServiceProcess.RepositoryRoot, "tests", "Gilmour.Benchmarks", "echo-node.js");

    private readonly Process _process;

    public int Port { get; }
    public int ProcessId => _process.Id;

    private NodeEchoProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static async Task<NodeEchoProcess> StartAsync()
    {
        var port = FreePort.Next();
        var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script);
        info.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Win32Exception)
        {
            throw new InvalidOperationException("the external mode needs Node.js: 'node' is not on the PATH");
        }
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new NodeEchoProcess(process, port);
        try
        {
            await node.WaitHealthyAsync(TimeSpan.FromSeconds(20));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    private async Task WaitHealthyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{Port}"), Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"node {Script} exited with code {_process.ExitCode}");
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow >= deadline) throw new TimeoutException($"node {Script} did not answer /health within {limit}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
