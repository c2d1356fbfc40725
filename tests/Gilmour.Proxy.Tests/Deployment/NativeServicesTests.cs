using System.Text.RegularExpressions;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Deployment;

/// <summary>
/// The Dispatcher and the HealthMonitor the suite runs are the executables a publish ships: Native AOT ones (no JIT
/// loaded in them) wherever a clang is installed, which is the only case where a publish falls back to ReadyToRun dlls.
/// The ControlApi is the JIT process it is everywhere. Built with <c>-p:ServiceNativeAot=false</c>, the suite runs the
/// dlls instead, and this says so.
/// </summary>
public sealed partial class NativeServicesTests
{
    private const string Jit = "libclrjit.so";

    [Fact]
    public async Task The_dispatcher_and_the_health_monitor_run_as_published_native_executables_and_the_control_api_under_the_jit()
    {
        await using var proxy = await ProxyHarness.StartAsync();

        foreach (var name in new[] { ProxyHarness.Dispatcher, ProxyHarness.HealthMonitor })
        {
            var service = proxy.Service(name);
            var maps = await MappedFilesAsync(service);
            if (ServiceProcess.NativeServicesDirectory is not { } published)
            {
                Assert.Contains(Jit, maps);
                continue;
            }
            var executable = new FileInfo($"/proc/{service.ProcessId}/exe").ResolveLinkTarget(returnFinalTarget: true)!.FullName;
            Assert.Equal(Path.Combine(published, name, name), executable);
            // A ReadyToRun publish ships the dll beside its launcher; a native one is the executable alone.
            var compiledNatively = !File.Exists(Path.Combine(published, name, name + ".dll"));
            if (ClangInstalled) Assert.True(compiledNatively, $"{name} was published as ReadyToRun although a clang is installed");
            Assert.True(maps.Contains(Jit) != compiledNatively,
                $"{name} was published {(compiledNatively ? "natively" : "as ReadyToRun")}, yet the JIT is {(compiledNatively ? "" : "not ")}loaded");
        }
        Assert.Contains(Jit, await MappedFilesAsync(proxy.Service(ProxyHarness.ControlApi)));
    }

    private static bool ClangInstalled =>
        Directory.Exists("/usr/bin") && Directory.EnumerateFiles("/usr/bin", "clang*").Any(path => ClangName().IsMatch(Path.GetFileName(path)));

    /// <summary>The clang names NativeAot.targets looks for.</summary>
    [GeneratedRegex(@"^clang(-1[4-9])?$")]
    private static partial Regex ClangName();

    private static async Task<string> MappedFilesAsync(ServiceProcess service) =>
        await File.ReadAllTextAsync($"/proc/{service.ProcessId}/maps");
}
