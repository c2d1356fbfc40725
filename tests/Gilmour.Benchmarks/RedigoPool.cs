using System.Collections.Concurrent;
using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>
/// Connections used the way redigo's pool is (the Go library's Redis client): a command takes a connection of its
/// own for its round trip and gives it back, so commands of concurrent requests are never pipelined together on one
/// socket, unlike a StackExchange.Redis multiplexer. Grows to as many connections as requests run at once.
/// </summary>
public sealed class RedigoPool(int port) : ICommandConnections, IAsyncDisposable
{
    private readonly ConcurrentBag<IDatabase> _idle = [];
    private readonly ConcurrentBag<ConnectionMultiplexer> _all = [];

    /// <summary>Runs <paramref name="command"/> on a connection nobody else uses meanwhile.</summary>
    public async Task<T> DoAsync<T>(Func<IDatabase, Task<T>> command)
    {
        if (!_idle.TryTake(out var connection)) connection = await OpenAsync();
        try
        {
            return await command(connection);
        }
        finally
        {
            _idle.Add(connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _all) await connection.DisposeAsync();
    }

    private async Task<IDatabase> OpenAsync()
    {
        var multiplexer = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", port } },
            // One socket per pooled connection: no subscription connection beside it.
            CommandMap = CommandMap.Create(["SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SSUBSCRIBE", "SUNSUBSCRIBE"], available: false),
        });
        _all.Add(multiplexer);
        return multiplexer.GetDatabase();
    }
}
