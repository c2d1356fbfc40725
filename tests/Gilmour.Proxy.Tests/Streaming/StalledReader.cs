using System.Net.Sockets;
using System.Text;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// A node's stream opened on a raw socket with a tiny receive window, which stops reading once the stream is
/// ready: a node that hangs, or a client too slow for what it is sent.
/// </summary>
public sealed class StalledReader : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StringBuilder _received = new();

    private StalledReader(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public string Received => _received.ToString();

    public long DrainedBytes { get; private set; }

    /// <summary>Opens <c>GET /nodes/{id}/stream</c> and reads until the <c>ready</c> event, then reads no more.</summary>
    public static async Task<StalledReader> OpenAsync(Uri controlApi, string nodeId, TimeSpan limit)
    {
        var tcp = new TcpClient { ReceiveBufferSize = 4096 };
        await tcp.ConnectAsync(controlApi.Host, controlApi.Port);
        var reader = new StalledReader(tcp);
        await reader._stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"GET /nodes/{nodeId}/stream HTTP/1.1\r\nHost: {controlApi.Authority}\r\nAccept: text/event-stream\r\n\r\n"));
        using var deadline = new CancellationTokenSource(limit);
        var buffer = new byte[1024];
        while (!reader.Received.Contains("event: ready", StringComparison.Ordinal))
        {
            var read = await reader._stream.ReadAsync(buffer, deadline.Token);
            if (read == 0) throw new IOException($"the stream ended before it was ready: {reader.Received}");
            reader._received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
        return reader;
    }

    /// <summary>Reads again, to the end; true when the proxy ended the connection (closed or reset) within the limit.</summary>
    public async Task<bool> DrainToEndAsync(TimeSpan limit)
    {
        using var deadline = new CancellationTokenSource(limit);
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await _stream.ReadAsync(buffer, deadline.Token)) > 0) DrainedBytes += read;
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
