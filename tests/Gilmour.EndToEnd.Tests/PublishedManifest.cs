using System.Diagnostics;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// What azd reads: the app host run with <c>--publisher manifest</c>, once for the tests that share it. Deploying
/// cannot run here; the manifest can, and it needs no container runtime.
/// </summary>
public sealed class PublishedManifest : IAsyncLifetime
{
    private readonly DirectoryInfo _output = Directory.CreateTempSubdirectory("gilmour-manifest-");

    public JsonElement Resources { get; private set; }

    /// <summary>The folder the manifest is in: its paths are relative to it.</summary>
    public string Folder => _output.FullName;

    public async Task InitializeAsync()
    {
        var manifestPath = Path.Combine(_output.FullName, "aspire-manifest.json");
        var (exitCode, log) = await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath);
        Assert.True(exitCode == 0, $"publish exited with {exitCode}:\n{log}");
        Resources = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath)).RootElement.GetProperty("resources").Clone();
    }

    public Task DisposeAsync()
    {
        _output.Delete(recursive: true);
        return Task.CompletedTask;
    }

    public JsonElement Resource(string name) =>
        Resources.TryGetProperty(name, out var resource) ? resource : throw new Xunit.Sdk.XunitException($"the manifest has no resource '{name}':\n{Resources}");

    public static string Env(JsonElement resource, string name) =>
        resource.GetProperty("env").TryGetProperty(name, out var value) ? value.GetString()! : throw new Xunit.Sdk.XunitException($"no {name} in {resource}");

    /// <summary>A path the manifest gives, as a full path.</summary>
    public string FullPath(string manifestPath) => Path.GetFullPath(Path.Combine(Folder, manifestPath));

    /// <summary>Runs the built app host the way azd does (<c>dotnet run --project Gilmour.AppHost -- ...</c>).</summary>
    private static async Task<(int ExitCode, string Log)> RunAppHostAsync(params string[] appHostArgs)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ServiceProcess.RepositoryRoot,
        };
        foreach (var arg in (string[])["run", "--project", "Gilmour.AppHost", "--no-build", "-c", ServiceProcess.BuildConfiguration, "--", .. appHostArgs])
            info.ArgumentList.Add(arg);

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"publish did not finish within 90 s:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
