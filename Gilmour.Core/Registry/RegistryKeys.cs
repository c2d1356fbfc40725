namespace Gilmour.Registry;

/// <summary>Redis keys and channels of the proxy's own registry, spelled once. All live under "gilmour.proxy.".</summary>
public static class RegistryKeys
{
    public const string Prefix = "gilmour.proxy.";

    /// <summary>Set of every registered node id.</summary>
    public const string NodeIndex = "gilmour.proxy.nodes";

    /// <summary>String key holding one node's JSON (<see cref="Node"/>).</summary>
    public static string Node(string id) => "gilmour.proxy.node." + id;

    /// <summary>
    /// Hash from each node's <see cref="Registry.Node.TokenHash"/> to its id, written in the same transaction as the
    /// node: tells a credential of some other node from one of no node at all.
    /// </summary>
    public const string TokenIndex = "gilmour.proxy.tokens";

    /// <summary>Every committed registry write is announced here (<see cref="RegistryChange"/>).</summary>
    public const string ChangesChannel = "gilmour.proxy.registry";

    /// <summary>Dispatchers acknowledge applied revisions here (<see cref="SubscriptionsApplied"/>).</summary>
    public const string AppliedChannel = "gilmour.proxy.applied";

    /// <summary>
    /// Claim of one delivery of an ungrouped slot message to one node subscription: every dispatcher replica holds
    /// the same subscriptions, and only the replica that sets this key (NX, expiring) delivers.
    /// </summary>
    public static string DeliveryClaim(string sender, string nodeId, string path) =>
        "gilmour.proxy.claim." + sender + "." + nodeId + path;

    /// <summary>Lease held by the one HealthMonitor replica that probes in a given interval.</summary>
    public const string HealthMonitorLease = "gilmour.proxy.healthmonitor.leader";

    /// <summary>
    /// A random generation id set once per Redis data set: when it is missing or changed, Redis lost its data (a
    /// restart without persistence) and services put back the registry they last saw.
    /// </summary>
    public const string Generation = "gilmour.proxy.generation";
}
