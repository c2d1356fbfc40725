using System.Net.Sockets;
using System.Text;

namespace Gilmour.Core.Tests.Support;

/// <summary>
/// A raw RESP2 client on its own TCP connection: sees the exact bytes Redis delivers and sends exactly the commands a
/// Go or Ruby peer would, pipelined when several are written at once.
/// </summary>
public sealed class RespClient : IAsyncDisposable
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(30);
    private readonly TcpClient _tcp;
    private readonly BufferedStream _stream;

    private RespClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = new BufferedStream(tcp.GetStream());
    }

    public static async Task<RespClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new RespClient(tcp);
    }

    /// <summary>Writes every command in one write (Redis reads them as one pipeline) without reading replies.</summary>
    public async Task SendAsync(params string[][] commands)
    {
        var buffer = new MemoryStream();
        foreach (var command in commands)
        {
            Append(buffer, $"*{command.Length}\r\n");
            foreach (var argument in command)
            {
                var bytes = Encoding.UTF8.GetBytes(argument);
                Append(buffer, $"${bytes.Length}\r\n");
                buffer.Write(bytes);
                Append(buffer, "\r\n");
            }
        }
        await _stream.WriteAsync(buffer.ToArray());
        await _stream.FlushAsync();
    }

    /// <summary>One command, one reply: string (simple), long, byte[] (bulk), null, object?[] (array).</summary>
    public async Task<object?> CommandAsync(params string[] command)
    {
        await SendAsync(command);
        return await ReadAsync();
    }

    /// <summary>SUBSCRIBE (or PSUBSCRIBE for a pattern) and wait for Redis's confirmation.</summary>
    public async Task SubscribeAsync(string channel)
    {
        var verb = channel.Contains('*') ? "PSUBSCRIBE" : "SUBSCRIBE";
        var confirmation = (object?[])(await CommandAsync(verb, channel))!;
        Assert.Equal(verb.ToLowerInvariant(), Text(confirmation[0]));
    }

    /// <summary>PUBSUB NUMSUB: how many connections subscribe <paramref name="channel"/> (patterns not counted).</summary>
    public async Task<long> NumSubAsync(string channel)
    {
        var answer = (object?[])(await CommandAsync("PUBSUB", "NUMSUB", channel))!;
        return (long)answer[1]!;
    }

    /// <summary>The next pub/sub message: the concrete channel and the payload exactly as published.</summary>
    public async Task<(string Channel, byte[] Payload)> NextMessageAsync()
    {
        while (true)
        {
            var push = (object?[])(await ReadAsync())!;
            switch (Text(push[0]))
            {
                case "message": return (Text(push[1]), (byte[])push[2]!);
                case "pmessage": return (Text(push[2]), (byte[])push[3]!);
            }
        }
    }

    public async Task<object?> ReadAsync()
    {
        using var limit = new CancellationTokenSource(ReadLimit);
        return await ReadValueAsync(limit.Token);
    }

    /// <summary>INFO commandstats: how many times the server ran each command ("publish", "pubsub|numsub"), scripts' own included.</summary>
    public async Task<Dictionary<string, long>> CommandCallsAsync()
    {
        var info = Text(await CommandAsync("INFO", "commandstats"));
        var calls = new Dictionary<string, long>();
        foreach (var line in info.Split("\r\n"))
        {
            // cmdstat_publish:calls=2000,usec=...
            if (!line.StartsWith("cmdstat_", StringComparison.Ordinal)) continue;
            var name = line["cmdstat_".Length..line.IndexOf(':')];
            var value = line[(line.IndexOf("calls=", StringComparison.Ordinal) + "calls=".Length)..];
            calls[name] = long.Parse(value[..value.IndexOf(',')]);
        }
        return calls;
    }

    public static string Text(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        null => "",
        _ => value.ToString() ?? "",
    };

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }

    private async Task<object?> ReadValueAsync(CancellationToken cancellation)
    {
        var line = await ReadLineAsync(cancellation);
        var body = line[1..];
        switch (line[0])
        {
            case '+': return body;
            case '-': throw new InvalidOperationException($"Redis answered an error: {body}");
            case ':': return long.Parse(body);
            case '$':
                var length = int.Parse(body);
                if (length < 0) return null;
                var bytes = new byte[length + 2];
                await _stream.ReadExactlyAsync(bytes, cancellation);
                return bytes[..length];
            case '*':
                var count = int.Parse(body);
                if (count < 0) return null;
                var items = new object?[count];
                for (var i = 0; i < count; i++) items[i] = await ReadValueAsync(cancellation);
                return items;
            default: throw new InvalidOperationException($"unexpected RESP line: {line}");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellation)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await _stream.ReadExactlyAsync(one, cancellation);
            if (one[0] == '\r')
            {
                await _stream.ReadExactlyAsync(one, cancellation);
                return line.ToString();
            }
            line.Append((char)one[0]);
        }
    }

    private static void Append(MemoryStream buffer, string text) => buffer.Write(Encoding.ASCII.GetBytes(text));
}
