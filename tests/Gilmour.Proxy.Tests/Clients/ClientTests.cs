using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Clients;

/// <summary>
/// The Python and TypeScript client packages' own suites (stdlib unittest, node --test), run against real proxies:
/// an open one and one secured by an admin key, each with redis-server and the three services as processes. The
/// suites register callback, stream and send-only nodes there, and stop them.
/// </summary>
public sealed class ClientTests(ClientProxies proxies) : IClassFixture<ClientProxies>
{
    [Fact]
    public async Task The_python_client_passes_its_suite_against_the_real_proxy()
    {
        var (exitCode, output) = await ClientSuite.RunAsync("clients/python", "python3", ["-m", "unittest", "-v"], proxies.Environment);

        Assert.True(exitCode == 0, $"python3 -m unittest exited with {exitCode}:\n{output}\n{proxies.Logs}");
        Assert.Contains("OK", output);
        // Every proxy test of the suite ran: with the proxies' addresses set, nothing may be skipped.
        Assert.DoesNotContain("skipped", output);
    }

    [Fact]
    public async Task The_typescript_client_passes_its_suite_against_the_real_proxy()
    {
        // Its compiler and types, as package-lock.json pins them, when a fresh checkout has none (or older ones).
        var folder = Path.Combine(ServiceProcess.RepositoryRoot, "clients", "typescript");
        var installed = Path.Combine(folder, "node_modules", ".package-lock.json");
        if (!File.Exists(installed) || File.GetLastWriteTimeUtc(installed) < File.GetLastWriteTimeUtc(Path.Combine(folder, "package-lock.json")))
        {
            var (installCode, installOutput) = await ClientSuite.RunAsync("clients/typescript", "npm", ["ci", "--no-audit", "--no-fund"], proxies.Environment);
            Assert.True(installCode == 0, $"npm ci in clients/typescript exited with {installCode}:\n{installOutput}");
        }

        var (exitCode, output) = await ClientSuite.RunAsync("clients/typescript", "npm", ["test"], proxies.Environment);

        Assert.True(exitCode == 0, $"npm test exited with {exitCode}:\n{output}\n{proxies.Logs}");
        Assert.Contains("# fail 0", output);
        Assert.Contains("# skipped 0", output);
    }
}
