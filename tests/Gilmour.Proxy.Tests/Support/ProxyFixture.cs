using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Support;

/// <summary>
/// One whole proxy (redis-server and the three services as processes) shared by the tests of one class, plus the
/// test nodes they start. For read-only sharing: a test that restarts something owns its own harness.
/// </summary>
public class ProxyFixture : IAsyncLifetime
{
    private readonly List<TestNode> _nodes = [];

    public ProxyHarness Harness { get; private set; } = null!;
    public HttpClient Control => Harness.Control;
    public ConnectionMultiplexer Redis { get; private set; } = null!;
    public NodeRegistry Registry { get; private set; } = null!;

    /// <summary>Environment for every service (for example "Gilmour__ControlApi__ApiKey").</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>();

    public async Task InitializeAsync()
    {
        Harness = await ProxyHarness.StartAsync(Settings);
        Redis = await Harness.Redis.ConnectAsync();
        Registry = new NodeRegistry(Redis);
        await OnStartedAsync();
    }

    /// <summary>Runs once the proxy is up: register the nodes the tests share.</summary>
    protected virtual Task OnStartedAsync() => Task.CompletedTask;

    public async Task<TestNode> StartNodeAsync(string healthPath = "/health", int port = 0, System.Net.IPAddress? address = null)
    {
        var node = await TestNode.StartAsync(healthPath, port, address);
        lock (_nodes) _nodes.Add(node);
        return node;
    }

    public Task<string> SnapshotAsync() => RegistrySnapshot.TakeAsync(Redis);

    /// <summary>Runs first on dispose: stop what <see cref="OnStartedAsync"/> started.</summary>
    protected virtual Task OnStoppingAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await OnStoppingAsync();
        foreach (var node in _nodes) await node.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        if (Harness is not null) await Harness.DisposeAsync();
    }
}
