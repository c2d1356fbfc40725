using Gilmour.Registry;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Registry;

/// <summary>A registry on a redis-server of the test's own, started before each test and stopped after it.</summary>
public abstract class RegistryOnRedis : IAsyncLifetime
{
    protected RedisServer Server { get; } = new();
    protected ConnectionMultiplexer Redis { get; private set; } = null!;
    protected NodeRegistry Registry { get; private set; } = null!;

    protected IDatabase Database => Redis.GetDatabase();

    public async Task InitializeAsync()
    {
        await Server.StartAsync();
        Redis = await Server.ConnectAsync();
        Registry = new NodeRegistry(Redis);
    }

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        await Server.StopAsync();
    }

    /// <summary>Redis losing every key, as a restart without persistence does.</summary>
    protected Task FlushAsync() => Redis.GetServer("127.0.0.1", Server.Port).FlushAllDatabasesAsync();
}
