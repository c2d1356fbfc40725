using StackExchange.Redis;

namespace Gilmour.ServiceDefaults;

/// <summary>
/// The kinds of Redis deployment the services cannot run on, told from what a connection found: each with the one
/// line that says why and what to use instead.
/// </summary>
public static class RedisDeployment
{
    public const string ClusterRefused =
        "Redis Cluster is not supported: PUBSUB NUMSUB counts only the subscribers of the node it runs on, so requests "
        + "would be answered 404 for topics whose subscribers are on other nodes, and registry writes span hash slots; "
        + "use one primary with replicas, and Sentinel for failover";

    public const string ProxyRefused =
        "a Redis proxy (twemproxy, Envoy) is not supported: it has no pub/sub, which the Gilmour bus is made of";

    public const string SentinelWithoutServiceName =
        "ConnectionStrings:redis names Redis Sentinels but no serviceName=<name>: add the name of the primary they watch";

    /// <summary>Why the services cannot run on the servers found, or null when they can.</summary>
    /// <param name="servers">The connected servers: (type, is a replica).</param>
    /// <param name="sentinelConfigured">The connection string names a service to follow through Sentinels.</param>
    /// <param name="configuredEndpoints">How many endpoints the connection string names.</param>
    public static string? Refusal(IReadOnlyCollection<(ServerType Type, bool IsReplica, string EndPoint)> servers, bool sentinelConfigured, int configuredEndpoints)
    {
        if (servers.Any(s => s.Type == ServerType.Cluster)) return ClusterRefused;
        if (servers.Any(s => s.Type is ServerType.Twemproxy or ServerType.Envoyproxy)) return ProxyRefused;
        if (!sentinelConfigured && servers.Count > 0 && servers.All(s => s.Type == ServerType.Sentinel)) return SentinelWithoutServiceName;
        // One endpoint that is a replica can never take a write; with several, or through Sentinels, a primary may
        // simply not be back yet.
        if (!sentinelConfigured && configuredEndpoints == 1 && servers.Count == 1 && servers.First() is { Type: ServerType.Standalone, IsReplica: true } replica)
            return $"Redis at {replica.EndPoint} is a read-only replica: name its primary, or its Sentinels with serviceName=<name>";
        return null;
    }
}
