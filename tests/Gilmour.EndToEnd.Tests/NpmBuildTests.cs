using System.Collections.Concurrent;
using Gilmour.AppHost.SampleNodes;
using Microsoft.Extensions.Logging;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The build the app host runs before a Node.js sample node starts, with real npm on a package of the test's own:
/// its build script counts its runs in a file, so that what ran is seen, not guessed from timing.
/// </summary>
public sealed class NpmBuildTests : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("gilmour-npm-");
    private readonly string _node;
    private readonly string _library;

    public NpmBuildTests()
    {
        _library = Directory.CreateDirectory(Path.Combine(_root.FullName, "library")).FullName;
        File.WriteAllText(Path.Combine(_library, "package.json"), """{"name": "library", "version": "1.0.0"}""");
        Directory.CreateDirectory(Path.Combine(_library, "src"));
        File.WriteAllText(Path.Combine(_library, "src", "library.ts"), "export const x = 1;\n");

        _node = Directory.CreateDirectory(Path.Combine(_root.FullName, "node")).FullName;
        File.WriteAllText(Path.Combine(_node, "package.json"), """
            {
              "name": "node", "version": "1.0.0", "private": true,
              "scripts": { "build": "node build.js" },
              "dependencies": { "library": "file:../library" }
            }
            """);
        // Counts its runs and makes the output, as tsc would.
        File.WriteAllText(Path.Combine(_node, "build.js"), """
            const fs = require("fs");
            fs.appendFileSync("builds.txt", "x");
            fs.mkdirSync("dist", { recursive: true });
            fs.writeFileSync("dist/sample_node.js", "console.log('hi');\n");
            """);
        Directory.CreateDirectory(Path.Combine(_node, "src"));
        File.WriteAllText(Path.Combine(_node, "src", "sample_node.ts"), "console.log('hi');\n");
        File.WriteAllText(Path.Combine(_node, "package-lock.json"), """
            {
              "name": "node", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
              "packages": {
                "": { "name": "node", "version": "1.0.0", "dependencies": { "library": "file:../library" } },
                "../library": { "version": "1.0.0" },
                "node_modules/library": { "resolved": "../library", "link": true }
              }
            }
            """);
    }

    private int Builds => File.Exists(Path.Combine(_node, "builds.txt")) ? File.ReadAllText(Path.Combine(_node, "builds.txt")).Length : 0;

    [Fact]
    public async Task The_first_start_installs_and_builds_and_a_start_with_nothing_changed_does_neither()
    {
        var first = new LineLog();
        await NpmBuild.EnsureBuiltAsync(_node, "dist/sample_node.js", first, CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_node, "dist", "sample_node.js")), first.ToString());
        Assert.Contains(first.Lines, l => l.StartsWith("npm ci", StringComparison.Ordinal));
        Assert.Equal(1, Builds);

        var second = new LineLog();
        await NpmBuild.EnsureBuiltAsync(_node, "dist/sample_node.js", second, CancellationToken.None);

        Assert.DoesNotContain(second.Lines, l => l.StartsWith("npm ", StringComparison.Ordinal));
        Assert.Equal(1, Builds);
    }

    [Fact]
    public async Task A_changed_source_of_a_package_it_depends_on_by_path_rebuilds_it_without_installing_again()
    {
        await NpmBuild.EnsureBuiltAsync(_node, "dist/sample_node.js", new LineLog(), CancellationToken.None);
        var library = Path.Combine(_library, "src", "library.ts");
        File.SetLastWriteTimeUtc(library, File.GetLastWriteTimeUtc(Path.Combine(_node, "dist", "sample_node.js")).AddSeconds(5));

        var log = new LineLog();
        await NpmBuild.EnsureBuiltAsync(_node, "dist/sample_node.js", log, CancellationToken.None);

        Assert.Equal(2, Builds);
        Assert.DoesNotContain(log.Lines, l => l.StartsWith("npm ci", StringComparison.Ordinal));
    }

    [Fact]
    public async Task App_hosts_starting_together_build_one_after_another_so_the_build_runs_once()
    {
        await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            Task.Run(() => NpmBuild.EnsureBuiltAsync(_node, "dist/sample_node.js", new LineLog(), CancellationToken.None))));

        Assert.Equal(1, Builds);
    }

    [Fact]
    public async Task A_failing_build_fails_the_start_and_says_which_command_failed()
    {
        File.WriteAllText(Path.Combine(_node, "build.js"), "process.exit(3);\n");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            NpmBuild.EnsureBuiltAsync(_node, "dist/sample_node.js", new LineLog(), CancellationToken.None));

        Assert.Contains("npm run build", error.Message);
        Assert.Contains("failed", error.Message);
    }

    public void Dispose() => _root.Delete(recursive: true);

    /// <summary>The build's log lines, as the node's console log in the dashboard would show them.</summary>
    private sealed class LineLog : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IEnumerable<string> Lines => _lines;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception));

        public override string ToString() => string.Join('\n', _lines);
    }
}
