using Gilmour.Failover;
using Gilmour.Registry;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gilmour.HealthMonitor;

/// <summary>
/// Makes one HealthMonitor replica the prober at a time, so replicas do not race each other's status writes or
/// count a node's failures twice. Taken with SET NX PX, renewed with a transaction conditioned on still holding it
/// (no Lua: Garnet may run without it); a holder that dies loses it when it expires, half an interval later, and a
/// standby asking every sixth of an interval takes it over well within one interval (<see cref="HealthMonitorLeaseRenewal"/>).
/// </summary>
/// <remarks>
/// On the primary only. After a failover the new primary may lack the lease (replication is asynchronous) and a
/// standby may take it there while the holder still counts its last renewal on the old primary: both may then probe
/// for the rest of one lease lifetime. Probes only read, and status writes are conditioned on the revision probed,
/// so the overlap costs duplicate probes, never a wrong status.
/// </remarks>
public sealed class HealthMonitorLease(IConnectionMultiplexer redis, IOptions<HealthMonitorOptions> options, TimeProvider time)
{
    private readonly IConnectionMultiplexer _redis = redis;
    private readonly TimeProvider _time = time;
    private readonly TimeSpan _lifetime = options.Value.LeaseLifetime;
    private long _heldUntil;
    private long _term;
    private volatile TaskCompletionSource _taken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Unique per process: a restarted replica must not mistake its predecessor's lease for its own.</summary>
    public string Holder { get; } = $"{Environment.MachineName}-pid-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>
    /// True while this replica surely holds the lease: until its lifetime, counted from the moment the last successful
    /// take or renewal was sent, has passed. A replica cut off from Redis stops probing before another can start.
    /// </summary>
    public bool IsHeld => _time.GetTimestamp() < Volatile.Read(ref _heldUntil);

    /// <summary>Counts the times this replica took the lease afresh; a new term starts its failure counts afresh.</summary>
    public long Term => Volatile.Read(ref _term);

    /// <summary>Returns once this replica holds the lease: at once if it does, else when the renewal takes it.</summary>
    public async Task WaitHeldAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read before the check: a take that lands between the two completes this very task.
            var taken = _taken;
            if (IsHeld) return;
            await taken.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Takes the lease if it is free, renews it if this replica holds it; false when another replica does.</summary>
    public async Task<bool> TryHoldAsync()
    {
        var sent = _time.GetTimestamp();
        var db = _redis.GetDatabase();
        if (await db.StringSetAsync(RegistryKeys.HealthMonitorLease, Holder, _lifetime, When.NotExists, RedisPrimary.Only)) return Taken(sent);

        var renewal = db.CreateTransaction();
        renewal.AddCondition(Condition.StringEqual(RegistryKeys.HealthMonitorLease, Holder));
        _ = renewal.KeyExpireAsync(RegistryKeys.HealthMonitorLease, _lifetime);
        if (await renewal.ExecuteAsync(RedisPrimary.Only))
        {
            // Held without a break only if the last hold had not run out; otherwise another replica may have probed.
            if (!IsHeld) return Taken(sent);
            Volatile.Write(ref _heldUntil, Until(sent));
            return true;
        }
        Volatile.Write(ref _heldUntil, 0);
        return false;
    }

    /// <summary>Gives the lease up (only if still held), so another replica takes over at its next attempt, not at expiry.</summary>
    public async Task ReleaseAsync()
    {
        Volatile.Write(ref _heldUntil, 0);
        // The analyzer's conditional DEL needs Redis 8.4; this runs on Redis 7.0 and Garnet, hence WATCH/MULTI.
#pragma warning disable SER301
        var release = _redis.GetDatabase().CreateTransaction();
        release.AddCondition(Condition.StringEqual(RegistryKeys.HealthMonitorLease, Holder));
        _ = release.KeyDeleteAsync(RegistryKeys.HealthMonitorLease);
#pragma warning restore SER301
        await release.ExecuteAsync(RedisPrimary.Only);
    }

    private bool Taken(long sent)
    {
        Interlocked.Increment(ref _term);
        Volatile.Write(ref _heldUntil, Until(sent));
        Interlocked.Exchange(ref _taken, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        return true;
    }

    private long Until(long sent) => sent + (long)(_lifetime.TotalSeconds * _time.TimestampFrequency);
}
