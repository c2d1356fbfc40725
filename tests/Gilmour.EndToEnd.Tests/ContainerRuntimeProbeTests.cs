using System.Diagnostics;
using Gilmour.Hosting.Redis;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The probe against real processes standing in for the docker CLI: one whose engine answers, one that fails like a
/// client without a daemon, one that hangs.
/// </summary>
public sealed class ContainerRuntimeProbeTests : IDisposable
{
    /// <summary>For a stub that answers: starting /bin/sh on a loaded machine may take longer than the probe's own limit.</summary>
    private static readonly TimeSpan Answering = TimeSpan.FromSeconds(60);

    /// <summary>For the stub that hangs: only the wait itself is under test, not how long it is.</summary>
    private static readonly TimeSpan Hanging = TimeSpan.FromSeconds(1);

    private readonly DirectoryInfo _bin = Directory.CreateTempSubdirectory("gilmour-runtime-");

    [Fact]
    public void A_runtime_whose_engine_answers_is_healthy_with_its_server_version()
    {
        var runtime = Script("healthy-runtime", "echo 27.5.1");

        var (found, _) = ContainerRuntimeProbe.FindHealthy(runtime, Answering);

        Assert.Equal($"{runtime} 27.5.1", found);
    }

    [Fact]
    public void A_client_without_a_running_engine_is_not_healthy_and_says_why()
    {
        var runtime = Script("no-daemon", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1");

        var (found, problem) = ContainerRuntimeProbe.FindHealthy(runtime, Answering);

        Assert.Null(found);
        Assert.Contains("Cannot connect to the Docker daemon", problem);
    }

    [Fact]
    public void A_runtime_that_does_not_answer_is_given_up_on_after_the_bounded_wait()
    {
        // It would hang for ten minutes: only the probe's own limit can end the wait before the test's does.
        var runtime = Script("hanging", "sleep 600");
        var clock = Stopwatch.StartNew();

        var (found, problem) = ContainerRuntimeProbe.FindHealthy(runtime, Hanging);

        Assert.Null(found);
        Assert.Contains("no answer within", problem);
        // A lower bound only: a loaded machine makes the wait longer, never shorter.
        Assert.True(clock.Elapsed >= Hanging, $"gave up after {clock.Elapsed}, before its limit of {Hanging}");
    }

    [Fact]
    public void A_runtime_that_is_not_installed_is_reported_as_such()
    {
        var (found, problem) = ContainerRuntimeProbe.FindHealthy(Path.Combine(_bin.FullName, "not-installed"), Answering);

        Assert.Null(found);
        Assert.Contains("not installed", problem);
    }

    [Fact]
    public void Redis_server_is_found_on_the_path_only_when_executable()
    {
        Script("redis-server", "exit 0");
        var plain = Path.Combine(_bin.FullName, "plain-file");
        File.WriteAllText(plain, "");

        Assert.Equal(Path.Combine(_bin.FullName, "redis-server"), ExecutableSearch.OnPath("redis-server", $"/nonexistent{Path.PathSeparator}{_bin.FullName}"));
        Assert.Null(ExecutableSearch.OnPath("plain-file", _bin.FullName));
        Assert.Null(ExecutableSearch.OnPath("redis-server", "/nonexistent"));
    }

    public void Dispose() => _bin.Delete(recursive: true);

    private string Script(string name, string body)
    {
        var path = Path.Combine(_bin.FullName, name);
        File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
