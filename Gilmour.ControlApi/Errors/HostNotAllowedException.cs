namespace Gilmour.ControlApi.Errors;

/// <summary>A registration named a callback host that the operator's allow-list does not permit.</summary>
public sealed class HostNotAllowedException(string host) : Exception(
    $"host '{host}' is not in Gilmour:ControlApi:AllowedNodeHosts: the proxy calls a node back only at the address "
    + "the registration came from, unless the operator allow-lists another host")
{
    public string Host { get; } = host;
}
