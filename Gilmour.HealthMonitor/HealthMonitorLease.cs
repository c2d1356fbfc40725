using Gilmour.Registry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Makes one HealthMonitor replica the prober at a time, so replicas do not race each other's status writes or
/// count a node's failures twice. Taken with SET NX PX, renewed with a transaction conditioned on still holding it
/// (no Lua: Garnet may run without it); a holder that dies loses it when it expires.
/// </summary>
public sealed class HealthMonitorLease(IConnectionMultiplexer redis, IOptions<HealthMonitorOptions> options)
{
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly TimeSpan _lifetime = options.Value.LeaseLifetime;

    /// <summary>Unique per process: a restarted replica must not mistake its predecessor's lease for its own.</summary>
    public string Holder { get; } = $"{Environment.MachineName}-pid-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>Takes the lease if it is free, renews it if this replica holds it; false when another replica does.</summary>
    public async Task<bool> TryHoldAsync()
    {
        var db = _redis.GetDatabase();
        if (await db.StringSetAsync(RegistryKeys.HealthMonitorLease, Holder, _lifetime, When.NotExists)) return true;

        var renewal = db.CreateTransaction();
        renewal.AddCondition(Condition.StringEqual(RegistryKeys.HealthMonitorLease, Holder));
        _ = renewal.KeyExpireAsync(RegistryKeys.HealthMonitorLease, _lifetime);
        return await renewal.ExecuteAsync();
    }

    /// <summary>Gives the lease up (only if still held), so another replica takes over at its next round, not at expiry.</summary>
    public async Task ReleaseAsync()
    {
        // The analyzer's conditional DEL needs Redis 8.4; this runs on Redis 7.0 and Garnet, hence WATCH/MULTI.
#pragma warning disable SER301
        var release = _redis.GetDatabase().CreateTransaction();
        release.AddCondition(Condition.StringEqual(RegistryKeys.HealthMonitorLease, Holder));
        _ = release.KeyDeleteAsync(RegistryKeys.HealthMonitorLease);
#pragma warning restore SER301
        await release.ExecuteAsync();
    }
}
