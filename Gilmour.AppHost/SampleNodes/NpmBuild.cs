using System.ComponentModel;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gilmour.AppHost.SampleNodes;

/// <summary>
/// Builds a Node.js node before the app host starts it: <c>npm ci</c> when node_modules is missing or older than
/// package-lock.json, then <c>npm run build</c> when the output is missing or older than a source (its own or that of
/// a package it depends on by path). Both are skipped
/// when up to date, so starting the app again costs nothing, and several app hosts starting at once (the tests run
/// three) build one after another instead of writing the same node_modules together.
/// </summary>
public static class NpmBuild
{
    /// <summary>Runs the build (its output in the node's console log) before each start of the node.</summary>
    /// <param name="output">The file the build makes, relative to the folder (e.g. <c>dist/sample_node.js</c>).</param>
    public static IResourceBuilder<ExecutableResource> WithNpmBuild(this IResourceBuilder<ExecutableResource> node, SampleNodeFolder folder, string output) =>
        node.OnBeforeResourceStarted(async (resource, starting, cancellation) =>
        {
            var log = starting.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            await EnsureBuiltAsync(folder.Path, output, log, cancellation);
        });

    public static async Task EnsureBuiltAsync(string directory, string output, ILogger log, CancellationToken cancellation)
    {
        await using var _ = await FolderLock.TakeAsync(directory, cancellation);

        var lockFile = Path.Combine(directory, "package-lock.json");
        var installed = Path.Combine(directory, "node_modules", ".package-lock.json");
        if (!File.Exists(installed) || File.GetLastWriteTimeUtc(installed) < File.GetLastWriteTimeUtc(lockFile))
            await NpmAsync(directory, log, cancellation, "ci", "--no-audit", "--no-fund");

        var built = Path.Combine(directory, output);
        if (!File.Exists(built) || File.GetLastWriteTimeUtc(built) < NewestSource(directory))
            await NpmAsync(directory, log, cancellation, "run", "build");
        else
            log.LogInformation("{Output} is up to date", output);
    }

    /// <summary>
    /// The newest input of the build: the package's manifests and src/, and those of every package it depends on by
    /// path (<c>"file:../clients/typescript"</c>), whose sources its build compiles too.
    /// </summary>
    private static DateTime NewestSource(string directory) =>
        new[] { directory }.Concat(LocalDependencies(directory))
            .SelectMany(SourcesOf)
            .Select(File.GetLastWriteTimeUtc)
            .DefaultIfEmpty(DateTime.MaxValue)
            .Max();

    private static IEnumerable<string> SourcesOf(string package)
    {
        foreach (var manifest in new[] { "package.json", "package-lock.json", "tsconfig.json" }.Select(f => Path.Combine(package, f)))
            if (File.Exists(manifest)) yield return manifest;
        var src = Path.Combine(package, "src");
        if (!Directory.Exists(src)) yield break;
        foreach (var file in Directory.EnumerateFiles(src, "*", SearchOption.AllDirectories)) yield return file;
    }

    private static IEnumerable<string> LocalDependencies(string directory)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "package.json")));
        var found = new List<string>();
        foreach (var section in new[] { "dependencies", "devDependencies" })
        {
            if (!manifest.RootElement.TryGetProperty(section, out var dependencies) || dependencies.ValueKind != JsonValueKind.Object) continue;
            foreach (var dependency in dependencies.EnumerateObject())
                if (dependency.Value.GetString() is { } spec && spec.StartsWith("file:", StringComparison.Ordinal))
                    found.Add(Path.GetFullPath(Path.Combine(directory, spec["file:".Length..])));
        }
        return found;
    }

    private static async Task NpmAsync(string directory, ILogger log, CancellationToken cancellation, params string[] args)
    {
        var command = "npm " + string.Join(' ', args);
        log.LogInformation("{Command} in {Directory}", command, directory);
        var info = new ProcessStartInfo("npm")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, line) => { if (!string.IsNullOrEmpty(line.Data)) log.LogInformation("{Line}", line.Data); };
        process.ErrorDataReceived += (_, line) => { if (!string.IsNullOrEmpty(line.Data)) log.LogWarning("{Line}", line.Data); };
        try
        {
            process.Start();
        }
        catch (Win32Exception)
        {
            throw new InvalidOperationException($"{command} could not start: npm is not on the PATH (Node.js 20 brings it)");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellation);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0) throw new InvalidOperationException($"{command} in {directory} failed (exit code {process.ExitCode}); its output is above");
    }

    /// <summary>An exclusive lock on a file named for the folder, held across processes.</summary>
    private sealed class FolderLock(FileStream file) : IAsyncDisposable
    {
        public static async Task<FolderLock> TakeAsync(string directory, CancellationToken cancellation)
        {
            var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(directory))))[..16];
            var path = Path.Combine(Path.GetTempPath(), $"gilmour-npm-build-{name}.lock");
            while (true)
            {
                try
                {
                    return new FolderLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
                }
                catch (IOException)
                {
                    // Another app host is building this folder; its build makes ours a no-op.
                    await Task.Delay(TimeSpan.FromMilliseconds(250), cancellation);
                }
            }
        }

        public ValueTask DisposeAsync() => file.DisposeAsync();
    }
}
