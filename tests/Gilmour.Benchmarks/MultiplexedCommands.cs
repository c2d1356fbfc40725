using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>
/// Every command on one StackExchange.Redis multiplexer, which pipelines concurrent requests' commands together on
/// one socket: baseline (b).
/// </summary>
public sealed class MultiplexedCommands(IConnectionMultiplexer redis) : ICommandConnections
{
    private readonly IDatabase _database = redis.GetDatabase();

    public Task<T> DoAsync<T>(Func<IDatabase, Task<T>> command) => command(_database);
}
