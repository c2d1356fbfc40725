using System.Net;

namespace Gilmour.ControlApi.Security;

/// <summary>IP addresses as the operator's lists and the forwarding headers write them, read strictly.</summary>
public static class IpAddresses
{
    /// <summary>
    /// An IPv4 address as four decimal numbers ("10.0.0.5") or an IPv6 address, without zone. Stricter than
    /// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>, which also takes "10" for 0.0.0.10, "10.1" for
    /// 10.0.0.1 and "010.0.0.1" as octal: an operator or proxy writing those most likely meant something else.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.IsEmpty || text.Contains('%')) return false;
        if (!text.Contains(':') && !IsDottedQuad(text)) return false;
        if (!IPAddress.TryParse(text, out var parsed)) return false;
        address = Normalize(parsed);
        return true;
    }

    private static bool IsDottedQuad(ReadOnlySpan<char> text)
    {
        var parts = 0;
        foreach (var range in text.Split('.'))
        {
            var part = text[range];
            if (++parts > 4 || part.IsEmpty || part.Length > 3 || part.ContainsAnyExceptInRange('0', '9')) return false;
            if (part.Length > 1 && part[0] == '0') return false;
            if (int.Parse(part) > 255) return false;
        }
        return parts == 4;
    }

    /// <summary>An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; it is a.b.c.d (and listens there).</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
