namespace Gilmour.Proxy.Tests.Sentinel;

/// <summary>
/// The failover measurement runs alone: it bounds how soon the proxy serves again and how long each call may take, and
/// on two cores another class starting its own processes beside it would measure that class instead.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Failovers
{
    public const string Name = "Sentinel failovers, measured alone";
}
