using Gilmour.Failover;
using StackExchange.Redis;

namespace Gilmour.Protocol;

/// <summary>
/// The exclusion-group lock exactly as the Go and Ruby libraries take it:
/// <c>SET &lt;sender&gt;&lt;group&gt; &lt;sender&gt;&lt;group&gt; NX EX 600</c>. Whoever sets it handles the message;
/// everyone else in the group skips it. The key is left to expire, as the libraries do.
/// </summary>
/// <remarks>
/// Taken on the primary, and never tried again elsewhere: a message came from one primary, whose subscribers are the
/// only ones that got it, and only that primary can say who won. A lock whose answer was lost with a dying primary
/// is a message nobody handles (its requester gets 499), never one handled twice: the new primary may or may not
/// have the key (replication is asynchronous), and asking it could let a second member win.
/// </remarks>
public static class ExclusionLock
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(600);

    public static string Key(string sender, string group) => sender + group;

    public static Task<bool> TryAcquireAsync(IDatabaseAsync redis, string sender, string group)
    {
        var key = Key(sender, group);
        return redis.StringSetAsync(key, key, Lifetime, When.NotExists, RedisPrimary.Only);
    }
}
