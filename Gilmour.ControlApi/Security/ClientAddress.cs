using System.Net;
using Gilmour.ControlApi.Errors;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// The address a request came from: the TCP peer of its connection, or, when that peer is one of the operator's
/// <see cref="ControlApiOptions.TrustedProxies"/>, the entry that proxy appended to the forwarding header.
/// </summary>
/// <remarks>
/// The peer is read from the connection itself, never from <c>HttpContext.Connection.RemoteIpAddress</c>: ASP.NET
/// Core's forwarded-headers middleware rewrites that from request headers, and with
/// <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> (which Aspire's publish output sets) it believes any client.
/// Only the rightmost entry counts: a proxy appends to what the client sent, so every entry before its own is the
/// client's to choose.
/// </remarks>
public sealed class ClientAddress(IOptions<ControlApiOptions> options)
{
    public const string XForwardedFor = "X-Forwarded-For";
    public const string Forwarded = "Forwarded";

    private readonly AddressRanges _trusted = AddressRanges.Of(options.Value.TrustedProxies);
    private readonly string _header = string.Equals(options.Value.ForwardedHeader, Forwarded, StringComparison.OrdinalIgnoreCase)
        ? Forwarded
        : XForwardedFor;

    /// <exception cref="InvalidInputException">the address is unknown, or a trusted proxy forwarded something that is not one.</exception>
    public IPAddress Of(HttpContext context)
    {
        var peer = PeerOf(context) ?? throw new InvalidInputException("the client's address is unknown (no TCP peer)");
        if (!_trusted.Contains(peer)) return peer;

        var headers = context.Request.Headers[_header];
        var entry = _header == Forwarded
            ? ForwardedEntries.RightmostForwardedElementFor(headers)
            : ForwardedEntries.RightmostForwardedFor(headers);
        // A trusted proxy that forwards nothing sent the request on its own behalf.
        if (entry is null) return peer;
        return ForwardedEntries.AddressOf(entry) ?? throw new InvalidInputException(
            $"the trusted proxy in front of this API forwarded a client address in {_header} that is not an IP address");
    }

    /// <summary>The connection's own remote address, whatever middleware made of RemoteIpAddress.</summary>
    /// <remarks>
    /// Kestrel's socket transport offers the socket itself; a transport that does not may offer its endpoints.
    /// </remarks>
    public static IPAddress? PeerOf(HttpContext context)
    {
        EndPoint? remote;
        try
        {
            remote = context.Features.Get<IConnectionSocketFeature>()?.Socket.RemoteEndPoint
                ?? context.Features.Get<IConnectionEndPointFeature>()?.RemoteEndPoint;
        }
        catch (ObjectDisposedException)
        {
            // The client is gone already.
            return null;
        }
        return remote is IPEndPoint peer ? IpAddresses.Normalize(peer.Address) : null;
    }
}
