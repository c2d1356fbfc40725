using System.Net;
using System.Net.Sockets;

namespace Gilmour.ControlApi.Registration;

/// <summary>
/// Tells why a node on this machine refused its health pre-check when the reason is the address family: the node
/// listens on 127.0.0.1 while its registration came over ::1 (a client that said "localhost"), or the reverse. The
/// proxy calls a node back at the address the registration came from, so the two must match.
/// </summary>
public static class LoopbackFamily
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    /// <summary>
    /// When <paramref name="refused"/> is a loopback address and the other loopback address accepts connections on the
    /// same port, the sentence that says so; otherwise null. Only loopback is tried: the proxy never calls an address a
    /// client did not register from.
    /// </summary>
    public static async Task<string?> MismatchAsync(Uri refused, CancellationToken cancellationToken)
    {
        if (!IPAddress.TryParse(refused.IdnHost, out var address) || !IPAddress.IsLoopback(address)) return null;
        var isIPv6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var other = isIPv6 ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        if (!await AcceptsAsync(other, refused.Port, cancellationToken)) return null;

        var (from, listens) = isIPv6 ? ("::1 (IPv6)", "127.0.0.1 (IPv4)") : ("127.0.0.1 (IPv4)", "::1 (IPv6)");
        var fix = isIPv6
            ? "register through 127.0.0.1 rather than localhost, or make the node listen on ::1 too"
            : "register through [::1], or make the node listen on 127.0.0.1 too";
        return $"the registration came from {from}, but the node listens on {listens} only: {fix}";
    }

    private static async Task<bool> AcceptsAsync(IPAddress address, int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(ConnectTimeout);
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, port), deadline.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
