using Gilmour.ControlApi.Registration;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// Checks at start the settings that decide which addresses the proxy believes and calls, naming each bad entry:
/// a typo there would otherwise quietly trust nobody, or refuse every node.
/// </summary>
public sealed class NetworkSettingsValidation : IValidateOptions<ControlApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlApiOptions options)
    {
        var problems = new List<string>();
        for (var i = 0; i < options.TrustedProxies.Length; i++)
            if (!AddressRanges.TryParse(options.TrustedProxies[i], out _))
                problems.Add($"{ControlApiOptions.Section}:TrustedProxies:{i} ('{options.TrustedProxies[i]}') is not an IP address or a CIDR "
                    + "range such as 10.0.0.0/8 (a range's address may have no bits set beyond its prefix)");
        for (var i = 0; i < options.AllowedNodeHosts.Length; i++)
            if (!CallbackHost.IsAllowListEntry(options.AllowedNodeHosts[i]))
                problems.Add($"{ControlApiOptions.Section}:AllowedNodeHosts:{i} ('{options.AllowedNodeHosts[i]}') is not a host name, an IP "
                    + "address or a CIDR range such as 10.0.0.0/8 (a range's address may have no bits set beyond its prefix)");
        if (options.ForwardedHeader is not { } header
            || !(header.Equals(ClientAddress.XForwardedFor, StringComparison.OrdinalIgnoreCase) || header.Equals(ClientAddress.Forwarded, StringComparison.OrdinalIgnoreCase)))
            problems.Add($"{ControlApiOptions.Section}:ForwardedHeader ('{options.ForwardedHeader}') must be "
                + $"{ClientAddress.XForwardedFor} or {ClientAddress.Forwarded}");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
