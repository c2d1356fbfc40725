using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Support;

/// <summary>
/// A Gilmour bus for one test: its own redis-server, and the connections the test opens on it (each multiplexer
/// stands for one Gilmour process). Disposing closes them all and stops the server.
/// </summary>
public sealed class Bus : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _connections = [];

    private Bus(RedisServer server) => Server = server;

    public RedisServer Server { get; }

    /// <param name="port">0 picks a free port; a fixed one lets a test restart Redis where clients expect it.</param>
    public static async Task<Bus> StartAsync(int port = 0)
    {
        var server = new RedisServer(port);
        await server.StartAsync();
        return new Bus(server);
    }

    /// <summary>A multiplexer that reconnects quickly after Redis comes back (tests restart it).</summary>
    /// <param name="configure">changes a test makes to those options (a longer command timeout, or the services' <c>BacklogPolicy.FailFast</c>, say)</param>
    public async Task<ConnectionMultiplexer> ConnectAsync(Action<ConfigurationOptions>? configure = null)
    {
        var options = new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", Server.Port } },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            ReconnectRetryPolicy = new LinearRetry(100),
        };
        configure?.Invoke(options);
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        lock (_connections) _connections.Add(connection);
        return connection;
    }

    public async Task<RespClient> RawAsync()
    {
        var client = await RespClient.ConnectAsync(Server.Port);
        lock (_connections) _connections.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
        await Server.StopAsync();
    }
}
