using System.Net;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// The entry a proxy appended last to <c>X-Forwarded-For</c> or <c>Forwarded</c> (RFC 7239): the rightmost one. Every
/// entry to its left came with the request the proxy received, so whoever sent that request chose it.
/// </summary>
public static class ForwardedEntries
{
    /// <summary>
    /// The rightmost entry of <c>X-Forwarded-For</c> (all header lines read as one list); null when there is no header.
    /// An empty rightmost entry is returned as "", not skipped: the entry before it is the client's own writing.
    /// </summary>
    public static string? RightmostForwardedFor(StringValues headers)
    {
        if (headers.Count == 0) return null;
        var last = (headers[^1] ?? "").AsSpan();
        var comma = last.LastIndexOf(',');
        return (comma < 0 ? last : last[(comma + 1)..]).Trim().ToString();
    }

    /// <summary>
    /// The <c>for</c> parameter of the rightmost element of <c>Forwarded</c>, unquoted; null when there is no header,
    /// "" when that element has no <c>for</c>.
    /// </summary>
    public static string? RightmostForwardedElementFor(StringValues headers)
    {
        if (headers.Count == 0) return null;
        var elements = SplitOutsideQuotes(headers[^1] ?? "", ',');
        foreach (var pair in SplitOutsideQuotes(elements[^1], ';'))
        {
            var equals = pair.IndexOf('=');
            if (equals < 0 || !pair.AsSpan(0, equals).Trim().Equals("for", StringComparison.OrdinalIgnoreCase)) continue;
            return Unquote(pair[(equals + 1)..].Trim());
        }
        return "";
    }

    /// <summary>
    /// The IP address of a forwarded node name: "192.0.2.60", "192.0.2.60:4711", "2001:db8::17", "[2001:db8::17]",
    /// "[2001:db8::17]:4711". Null for anything else ("unknown", an obfuscated "_hidden", a host name).
    /// </summary>
    public static IPAddress? AddressOf(string entry)
    {
        var text = entry.AsSpan().Trim();
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0 || !IsPortOrNothing(text[(close + 1)..])) return null;
            text = text[1..close];
        }
        else if (text.Count(':') == 1)
        {
            // One colon: IPv4 with a port. An IPv6 address has at least two.
            var colon = text.IndexOf(':');
            if (!IsPortOrNothing(text[colon..])) return null;
            text = text[..colon];
        }
        return IpAddresses.TryParse(text, out var address) ? address : null;
    }

    private static bool IsPortOrNothing(ReadOnlySpan<char> rest) =>
        rest.IsEmpty || (rest[0] == ':' && rest.Length > 1 && !rest[1..].ContainsAnyExceptInRange('0', '9'));

    private static List<string> SplitOutsideQuotes(string text, char separator)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted && c == '\\' && i + 1 < text.Length)
            {
                current.Append(c).Append(text[++i]);
                continue;
            }
            if (c == '"') quoted = !quoted;
            if (c == separator && !quoted)
            {
                parts.Add(current.ToString());
                current.Clear();
                continue;
            }
            current.Append(c);
        }
        parts.Add(current.ToString());
        return parts;
    }

    private static string Unquote(string value)
    {
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"') return value;
        var text = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length - 1; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length - 1) i++;
            text.Append(value[i]);
        }
        return text.ToString();
    }
}
