using System.Net;
using System.Net.Sockets;

namespace Gilmour.Testing;

/// <summary>
/// An HttpClient whose connections leave from a chosen loopback address (127.0.0.2, say), so that the server sees
/// that address as its peer: a client on another host, without another host.
/// </summary>
public static class BoundClient
{
    public static HttpClient From(IPAddress local, Uri baseAddress) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(100),
    };
}
