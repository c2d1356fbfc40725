using System.Net;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// A list of IP addresses and CIDR ranges ("10.0.0.5", "10.0.0.0/8", "fd00::/8") from the operator's settings.
/// </summary>
public sealed class AddressRanges
{
    private readonly List<IPNetwork> _ranges;

    private AddressRanges(List<IPNetwork> ranges) => _ranges = ranges;

    public static AddressRanges Empty { get; } = new([]);

    public bool IsEmpty => _ranges.Count == 0;

    /// <summary>The entries that are addresses or ranges (<see cref="TryParse"/>); the others are left out.</summary>
    public static AddressRanges Of(IEnumerable<string> entries)
    {
        var ranges = new List<IPNetwork>();
        foreach (var entry in entries)
            if (TryParse(entry, out var range)) ranges.Add(range);
        return new AddressRanges(ranges);
    }

    public bool Contains(IPAddress address)
    {
        var normalized = IpAddresses.Normalize(address);
        foreach (var range in _ranges)
            if (range.Contains(normalized)) return true;
        return false;
    }

    /// <summary>
    /// An address (a range of one) or address/prefix whose address has no bits set beyond the prefix: "10.0.0.0/8",
    /// not "10.0.0.1/8", which most likely means something else than it says.
    /// </summary>
    public static bool TryParse(string? entry, out IPNetwork range)
    {
        range = default;
        if (string.IsNullOrWhiteSpace(entry)) return false;
        var text = entry.AsSpan().Trim();
        var slash = text.IndexOf('/');
        if (!IpAddresses.TryParse(slash < 0 ? text : text[..slash], out var address)) return false;
        var width = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            range = new IPNetwork(address, width);
            return true;
        }
        var prefix = text[(slash + 1)..];
        if (prefix.IsEmpty || prefix.ContainsAnyExceptInRange('0', '9') || !int.TryParse(prefix, out var length) || length > width) return false;
        // Compared rather than trusted to IPNetwork's parsing, which may mask the extra bits away silently.
        return IPNetwork.TryParse($"{address}/{length}", out range) && range.BaseAddress.Equals(address);
    }
}
