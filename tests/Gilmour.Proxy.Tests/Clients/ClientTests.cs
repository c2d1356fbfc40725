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
    }

    [Fact]
    public async Task The_typescript_client_passes_its_suite_against_the_real_proxy()
    {
        var folder = Path.Combine(ServiceProcess.RepositoryRoot, "clients", "typescript");
        Assert.True(Directory.Exists(Path.Combine(folder, "node_modules", "typescript")),
            "clients/typescript has no node_modules: run `npm ci` there first (.ci/run does)");

        var (exitCode, output) = await ClientSuite.RunAsync("clients/typescript", "npm", ["test"], proxies.Environment);

        Assert.True(exitCode == 0, $"npm test exited with {exitCode}:\n{output}\n{proxies.Logs}");
        Assert.Contains("# fail 0", output);
    }
}
