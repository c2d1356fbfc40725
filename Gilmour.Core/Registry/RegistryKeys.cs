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
    /// Channel of the deliveries to one node that dials out (<see cref="Streaming.StreamFrame"/>): dispatchers
    /// publish them, and only the ControlApi replica holding the node's stream subscribes, so a PUBLISH nobody
    /// receives means the stream is not open anywhere.
    /// </summary>
    public static string StreamChannel(string nodeId) => "gilmour.proxy.stream." + nodeId;

    /// <summary>
    /// Lease of the stream a node holds open: the id of the stream, expiring unless the ControlApi replica serving it
    /// renews it. The HealthMonitor turns an ok stream node without one unavailable (its replica died).
    /// </summary>
    public static string StreamLease(string nodeId) => "gilmour.proxy.streamlease." + nodeId;

    /// <summary>
    /// Hash of one delivery to a stream node that awaits its reply: state, node, and the channel of the dispatcher
    /// waiting for it. Whoever changes its state first (the reply, the timeout, the stream's end) decides the outcome.
    /// </summary>
    public static string StreamDelivery(string deliveryId) => "gilmour.proxy.delivery." + deliveryId;

    /// <summary>Channel on which one dispatcher process receives the replies of its stream deliveries.</summary>
    public static string StreamReplies(string dispatcherId) => "gilmour.proxy.replies." + dispatcherId;

    /// <summary>
    /// A random generation id set once per Redis data set: when it is missing or changed, Redis lost its data (a
    /// restart without persistence) and services put back the registry they last saw.
    /// </summary>
    public const string Generation = "gilmour.proxy.generation";
}
