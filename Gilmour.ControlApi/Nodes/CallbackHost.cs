using Gilmour.ControlApi.Errors;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Nodes;

/// <summary>
/// Decides where the proxy calls a registering node: the address the registration came from, or an explicit
/// <c>host</c> only when the operator allow-listed it. Calling whatever address a client names would make the
/// proxy an open relay into the network it sits in (SSRF).
/// </summary>
public sealed class CallbackHost(IOptions<ControlApiOptions> options)
{
    private readonly HashSet<string> _allowed = new(options.Value.AllowedNodeHosts, StringComparer.OrdinalIgnoreCase);

    public string Resolve(HttpContext context, string? explicitHost)
    {
        if (!string.IsNullOrEmpty(explicitHost))
            return _allowed.Contains(explicitHost) ? explicitHost : throw new HostNotAllowed(explicitHost);

        var remote = context.Connection.RemoteIpAddress
            ?? throw new InvalidInput("the registering client's address is unknown; cannot call the node back");
        // A dual-stack socket reports an IPv4 client as ::ffff:a.b.c.d; the node listens on a.b.c.d.
        return (remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote).ToString();
    }

    public static bool IsWellFormed(string host) =>
        Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
        && !host.Contains('%');
}
