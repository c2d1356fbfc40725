using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>
/// Redis MONITOR over a raw connection (StackExchange.Redis does not speak it): every command any client sends,
/// as redis-server prints it (<c>+1700000000.000000 [0 127.0.0.1:5000] "SUBSCRIBE" "gilmour.request.x"</c>). Lets a
/// test prove that something was never sent, for example an UNSUBSCRIBE of a subscription that should stay.
/// </summary>
public sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly ConcurrentQueue<string> _commands = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    private RedisMonitor(TcpClient tcp, StreamReader reader)
    {
        _tcp = tcp;
        _reading = ReadAsync(reader);
    }

    public IReadOnlyCollection<string> Commands => _commands.ToArray();

    public static async Task<RedisMonitor> StartAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        var reader = new StreamReader(stream, Encoding.UTF8);
        var ok = await reader.ReadLineAsync();
        if (ok != "+OK") throw new InvalidOperationException($"MONITOR answered {ok}");
        return new RedisMonitor(tcp, reader);
    }

    /// <summary>Commands named <paramref name="command"/> (SUBSCRIBE, UNSUBSCRIBE, ...) whose first argument is <paramref name="channel"/>.</summary>
    public IReadOnlyList<string> Sent(string command, string channel) =>
        Commands.Where(line => line.Contains($"\"{command}\" \"{channel}\"", StringComparison.OrdinalIgnoreCase)).ToList();

    private async Task ReadAsync(StreamReader reader)
    {
        try
        {
            while (await reader.ReadLineAsync(_stop.Token) is { } line) _commands.Enqueue(line);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Dispose();
        await _reading;
        _stop.Dispose();
    }
}
