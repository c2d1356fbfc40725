using Gilmour.Failover;
using Gilmour.Protocol;
using Gilmour.Registry;
using StackExchange.Redis;

namespace Gilmour.Dispatcher;

/// <summary>
/// Claims of ungrouped slot deliveries: every dispatcher replica holds the same subscriptions and gets the same
/// message, and only the one that sets the claim (<see cref="RegistryKeys.DeliveryClaim"/>, NX, expiring) delivers.
/// A claim holds the name of the dispatcher that set it, so that one whose answer was lost with a dying primary is
/// settled on the next primary instead of dropping the signal.
/// </summary>
/// <remarks>
/// After a lost answer the new primary is asked: SET NX again, then, if the key is there, whose it is. Ours (the
/// claim reached the old primary and was replicated) or nobody's (it never got there): this dispatcher delivers.
/// Another dispatcher's: it delivered. The one case left is a claim the old primary granted to another dispatcher
/// and never replicated before it died: both then deliver, a duplicate signal instead of a lost one.
/// </remarks>
public sealed class DeliveryClaims(IConnectionMultiplexer redis)
{
    /// <summary>A claim lives as long as a Gilmour lock.</summary>
    private static readonly TimeSpan Lifetime = ExclusionLock.Lifetime;

    private readonly IConnectionMultiplexer _redis = redis;
    private readonly RedisPrimary _primary = RedisPrimary.Of(redis);

    /// <summary>Unique per process: a restarted dispatcher must not take its predecessor's claims for its own.</summary>
    public string Holder { get; } = $"{Environment.MachineName}-pid-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>True when this dispatcher delivers the message claimed by <paramref name="key"/>.</summary>
    /// <param name="timeout">The delivery's own timeout: how long a lost answer may wait for the next primary.</param>
    /// <exception cref="RedisException">no primary answered within <paramref name="timeout"/>.</exception>
    public async Task<bool> TryClaimAsync(string key, CancellationToken timeout)
    {
        var database = _redis.GetDatabase();
        try
        {
            return await database.StringSetAsync(key, Holder, Lifetime, When.NotExists, RedisPrimary.Only);
        }
        catch (Exception failure) when (CommandFailure.ConnectionLost(failure))
        {
            // Set again or read: both can be repeated, so a connection lost once more is simply tried again.
            return await _primary.RunAsync((Database: database, Key: (RedisKey)key, Holder), static async state =>
                await state.Database.StringSetAsync(state.Key, state.Holder, Lifetime, When.NotExists, RedisPrimary.Only)
                || await state.Database.StringGetAsync(state.Key, RedisPrimary.Only) == state.Holder,
                timeout, repeatable: true);
        }
    }
}
