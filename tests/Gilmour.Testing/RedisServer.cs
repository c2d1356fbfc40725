using System.Diagnostics;
using StackExchange.Redis;
using Xunit;

namespace Gilmour.Testing;

/// <summary>
/// A real redis-server on a free loopback port, without persistence, killed on dispose.
/// Use as an xunit class or collection fixture, or create one per test when the test restarts Redis.
/// </summary>
public sealed class RedisServer : IAsyncLifetime, IAsyncDisposable
{
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>More redis-server arguments, for example ["--rename-command", "EVALSHA", ""] to refuse scripts.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    /// <summary>"127.0.0.1:port", the form services take in ConnectionStrings__redis.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public RedisServer() : this(0) { }

    /// <param name="port">0 picks a free port; a fixed port lets a test restart Redis where clients expect it.</param>
    public RedisServer(int port) => Port = port == 0 ? FreePort.Next() : port;

    public Task InitializeAsync() => StartAsync();

    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) return;
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
            info.ArgumentList.Add(arg);
        foreach (var arg in ExtraArguments) info.ArgumentList.Add(arg);
        _process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start (is it installed?)");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await WaitUntilAnsweringAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Opens a fresh multiplexer on this server; the caller disposes it.</summary>
    public Task<ConnectionMultiplexer> ConnectAsync() =>
        ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions
        {
            EndPoints = { { "127.0.0.1", Port } },
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            // Tests flush and inspect the server they own.
            AllowAdmin = true,
        });

    /// <summary>Kills the server (SIGKILL): its data is gone, clients see the connection drop.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// SHUTDOWN SAVE: Redis writes its dump (into <c>--dir</c>, give one in <see cref="ExtraArguments"/>) and exits,
    /// as a Redis with persistence restarts; <see cref="StartAsync"/> then loads the dump again.
    /// </summary>
    public async Task ShutdownSavingAsync()
    {
        if (_process is null) return;
        using (var tcp = new System.Net.Sockets.TcpClient())
        {
            await tcp.ConnectAsync("127.0.0.1", Port);
            await tcp.GetStream().WriteAsync("SHUTDOWN SAVE\r\n"u8.ToArray());
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    public Task DisposeAsync() => StopAsync();

    async ValueTask IAsyncDisposable.DisposeAsync() => await StopAsync();

    private async Task WaitUntilAnsweringAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            try
            {
                using var tcp = new System.Net.Sockets.TcpClient();
                await tcp.ConnectAsync("127.0.0.1", Port);
                var stream = tcp.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[16];
                var read = await stream.ReadAsync(buffer);
                if (read > 0 && buffer[0] == (byte)'+') return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline) { }
            catch (IOException) when (DateTime.UtcNow < deadline) { }
            if (_process is { HasExited: true })
                throw new InvalidOperationException($"redis-server exited with code {_process.ExitCode} on port {Port}");
            if (DateTime.UtcNow >= deadline)
                throw new TimeoutException($"redis-server did not answer PING on port {Port} within {limit}");
            await Task.Delay(20);
        }
    }
}
