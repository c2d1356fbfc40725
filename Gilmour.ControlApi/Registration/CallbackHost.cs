using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Security;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Registration;

/// <summary>
/// Decides where the proxy calls a registering node: the address the registration came from
/// (<see cref="ClientAddress"/>), or an explicit <c>host</c> only when the operator allow-listed it by name, address
/// or CIDR range. Calling whatever address a client names would make the proxy an open relay into the network it
/// sits in (SSRF).
/// </summary>
/// <remarks>
/// A name is allowed only as written in the list: a name whose address lies in an allowed range is not, since what
/// it resolves to may change after the check.
/// </remarks>
public sealed class CallbackHost(IOptions<ControlApiOptions> options, ClientAddress clientAddress)
{
    private readonly HashSet<string> _names = new(
        options.Value.AllowedNodeHosts.Where(entry => !AddressRanges.TryParse(entry, out _)).Select(entry => entry.Trim()),
        StringComparer.OrdinalIgnoreCase);
    private readonly AddressRanges _ranges = AddressRanges.Of(options.Value.AllowedNodeHosts);

    /// <exception cref="HostNotAllowedException">the explicit host is not allow-listed.</exception>
    /// <exception cref="InvalidInputException">the client's own address cannot be told.</exception>
    public string Resolve(HttpContext context, string? explicitHost)
    {
        if (string.IsNullOrEmpty(explicitHost)) return clientAddress.Of(context).ToString();
        if (IpAddresses.TryParse(explicitHost, out var address))
            return _ranges.Contains(address) ? address.ToString() : throw new HostNotAllowedException(explicitHost);
        return _names.Contains(explicitHost) ? explicitHost : throw new HostNotAllowedException(explicitHost);
    }

    public static bool IsWellFormed(string host) =>
        Uri.CheckHostName(host) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
        && !host.Contains('%');

    /// <summary>A host name, an IP address or a CIDR range.</summary>
    public static bool IsAllowListEntry(string? entry) =>
        !string.IsNullOrWhiteSpace(entry)
        && (AddressRanges.TryParse(entry, out _) || (!entry.Contains('/') && IsWellFormed(entry.Trim())));
}
