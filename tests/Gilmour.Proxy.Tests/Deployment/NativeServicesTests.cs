using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Deployment;

/// <summary>
/// The Dispatcher and the HealthMonitor the suite runs are the Native AOT executables a publish ships (no JIT loaded in
/// them), and the ControlApi is the JIT process it is everywhere. Built with <c>-p:ServiceNativeAot=false</c>, the
/// suite runs the dlls instead, and this says so.
/// </summary>
public sealed class NativeServicesTests
{
    private const string Jit = "libclrjit.so";

    [Fact]
    public async Task The_dispatcher_and_the_health_monitor_run_as_published_native_executables_and_the_control_api_under_the_jit()
    {
        await using var proxy = await ProxyHarness.StartAsync();
        var native = ServiceProcess.NativeServicesDirectory is not null;

        foreach (var name in new[] { ProxyHarness.Dispatcher, ProxyHarness.HealthMonitor })
        {
            var service = proxy.Service(name);
            var executable = new FileInfo($"/proc/{service.ProcessId}/exe").ResolveLinkTarget(returnFinalTarget: true)!.FullName;
            if (native)
            {
                Assert.Equal(Path.Combine(ServiceProcess.NativeServicesDirectory!, name, name), executable);
                Assert.DoesNotContain(Jit, await MappedFilesAsync(service));
            }
            else
            {
                Assert.Contains(Jit, await MappedFilesAsync(service));
            }
        }
        Assert.Contains(Jit, await MappedFilesAsync(proxy.Service(ProxyHarness.ControlApi)));
    }

    private static async Task<string> MappedFilesAsync(ServiceProcess service) =>
        await File.ReadAllTextAsync($"/proc/{service.ProcessId}/maps");
}
