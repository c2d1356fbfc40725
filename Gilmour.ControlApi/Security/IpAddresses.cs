using System.Net;

namespace Gilmour.ControlApi.Security;

/// <summary>IP addresses as the operator's lists and the forwarding headers write them, read strictly.</summary>
public static class IpAddresses
{
    /// <summary>
    /// An IPv4 address in dotted-quad form or an IPv6 address, without zone. Stricter than
    /// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>, which also takes "10" for 0.0.0.10.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        var s = text.ToString();
        if (s.Contains('%') || Uri.CheckHostName(s) is not (UriHostNameType.IPv4 or UriHostNameType.IPv6)) return false;
        if (!IPAddress.TryParse(s, out var parsed)) return false;
        address = Normalize(parsed);
        return true;
    }

    /// <summary>An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; it is a.b.c.d (and listens there).</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
