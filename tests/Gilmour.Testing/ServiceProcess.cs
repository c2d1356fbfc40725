using System.Collections.Concurrent;
using System.Diagnostics;

namespace Gilmour.Testing;

/// <summary>
/// One of the proxy's services (Gilmour.ControlApi, Gilmour.Dispatcher, Gilmour.HealthMonitor) run as a real
/// child process, exactly as an operator runs it: <c>dotnet Gilmour.X.dll --urls http://127.0.0.1:port</c> with
/// <c>ConnectionStrings__redis</c>, or its published native executable where the assembly was built with one
/// (<see cref="NativeServicesDirectory"/>). Disposing kills it. Its output is kept for failure messages.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    public string Name { get; }
    public int Port { get; }
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once the process has exited (137 after a SIGKILL), else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Everything the process wrote to stdout and stderr so far.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>
    /// How long a start may take to answer /health 200 by default. A healthy start is seconds; the limit only turns a
    /// service that never comes up into a failure, so it leaves room for a machine loaded many times over.
    /// </summary>
    public static readonly TimeSpan ReadyWithin = TimeSpan.FromSeconds(120);

    private ServiceProcess(string name, int port, Process process)
    {
        Name = name;
        Port = port;
        _process = process;
    }

    /// <param name="name">Project name, for example "Gilmour.ControlApi".</param>
    /// <param name="environment">Extra environment, for example ["Gilmour__HealthMonitor__IntervalSeconds"] = "1".</param>
    public static async Task<ServiceProcess> StartAsync(string name, string redisConnectionString,
        IReadOnlyDictionary<string, string>? environment = null, int port = 0, TimeSpan? readyWithin = null)
    {
        port = port == 0 ? FreePort.Next() : port;
        var dll = Path.Combine(RepositoryRoot, name, "bin", BuildConfiguration, "net10.0", name + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{name} is not built; build the solution first", dll);

        var native = NativeExecutable(name);
        var info = new ProcessStartInfo(native ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(native ?? dll)!,
        };
        if (native is null) info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add($"http://127.0.0.1:{port}");
        info.Environment["ConnectionStrings__redis"] = redisConnectionString;
        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["Logging__LogLevel__Default"] = "Information";
        foreach (var (key, value) in Gilmour.Hosting.ServiceRuntime.Environment)
            info.Environment[key] = value;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            info.Environment[key] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {name}");
        var service = new ServiceProcess(name, port, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) service._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await service.WaitHealthyAsync(readyWithin ?? ReadyWithin);
        }
        catch
        {
            // A service that never became healthy must not outlive the test that started it.
            await service.DisposeAsync();
            throw;
        }
        return service;
    }

    /// <summary>Polls GET /health until it answers 200.</summary>
    public async Task WaitHealthyAsync(TimeSpan limit)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            if (_process.HasExited)
            {
                // Waits for the redirected output to be read to its end too: the message then holds why it exited.
                await _process.WaitForExitAsync();
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}:\n{Output}");
            }
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"{Name} was not healthy within {limit}:\n{Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no graceful shutdown, as when a container is lost.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait: the graceful shutdown a rolling restart does.</summary>
    public async Task TerminateAsync(TimeSpan limit)
    {
        if (_process.HasExited) return;
        _ = SendSignal(_process.Id, SigTerm);
        using var cts = new CancellationTokenSource(limit);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { await KillAsync(); }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>
    /// The folder of the services' published executables, when the test or benchmark assembly was built with them
    /// (tests/NativeServices.targets records it as the <c>Gilmour.NativeServices</c> assembly metadata); null otherwise.
    /// </summary>
    public static string? NativeServicesDirectory { get; } = AppDomain.CurrentDomain.GetAssemblies()
        .SelectMany(a => a.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false).Cast<System.Reflection.AssemblyMetadataAttribute>())
        .FirstOrDefault(m => m.Key == "Gilmour.NativeServices")?.Value;

    /// <summary>The published executable of <paramref name="name"/>, if it has one: it runs instead of the dll.</summary>
    private static string? NativeExecutable(string name)
    {
        if (NativeServicesDirectory is null) return null;
        var executable = Path.Combine(NativeServicesDirectory, name, name);
        return File.Exists(executable) ? executable : null;
    }

    /// <summary>Debug or Release: the configuration the test assembly itself was built in.</summary>
    public static string BuildConfiguration { get; } =
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gilmour.sln"))) return dir.FullName;
        throw new InvalidOperationException("Gilmour.sln not found above " + AppContext.BaseDirectory);
    }
}
