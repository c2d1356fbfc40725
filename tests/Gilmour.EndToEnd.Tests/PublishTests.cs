using System.Diagnostics;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// What azd reads: it runs the app host with <c>--publisher manifest</c> and deploys what the manifest describes.
/// Deploying cannot run here; the manifest can, and it needs no container runtime.
/// </summary>
public sealed class PublishTests
{
    [Fact]
    public async Task The_manifest_azd_reads_describes_redis_the_three_services_with_their_runtime_settings_and_the_python_node()
    {
        var output = Directory.CreateTempSubdirectory("gilmour-manifest-");
        try
        {
            var manifestPath = Path.Combine(output.FullName, "aspire-manifest.json");
            var (exitCode, log) = await RunAppHostAsync("--publisher", "manifest", "--output-path", manifestPath);
            Assert.True(exitCode == 0, $"publish exited with {exitCode}:\n{log}");

            var resources = JsonDocument.Parse(await File.ReadAllTextAsync(manifestPath)).RootElement.GetProperty("resources");

            // On a machine without Docker the run-time default would be redis-server or Garnet; a deployment gets
            // the Redis container whatever the machine that publishes has.
            Assert.Equal("container.v0", resources.GetProperty("redis").GetProperty("type").GetString());
            foreach (var service in new[] { "controlapi", "dispatcher", "healthmonitor" })
            {
                var project = resources.GetProperty(service);
                Assert.StartsWith("project.", project.GetProperty("type").GetString());
                Assert.Equal("{redis.connectionString}", project.GetProperty("env").GetProperty("ConnectionStrings__redis").GetString());
                Assert.True(project.GetProperty("bindings").TryGetProperty("http", out _), $"{service} has no http binding");
                // A deployed service keeps the small GC budget its idle memory figures depend on.
                Assert.Equal("0x400000", project.GetProperty("env").GetProperty("DOTNET_GCgen0size").GetString());
            }
            Assert.True(resources.GetProperty("controlapi").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());

            var python = resources.GetProperty("pythonnode");
            Assert.Equal("Dockerfile", Path.GetFileName(python.GetProperty("build").GetProperty("dockerfile").GetString()));
            Assert.Equal("{controlapi.bindings.http.url}", python.GetProperty("env").GetProperty("services__controlapi__http__0").GetString());
            Assert.Equal("{pythonnode.bindings.http.targetPort}", python.GetProperty("env").GetProperty("PORT").GetString());
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

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
