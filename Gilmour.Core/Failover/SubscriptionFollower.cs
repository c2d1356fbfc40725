using System.Diagnostics;
using StackExchange.Redis;

namespace Gilmour.Failover;

/// <summary>
/// Puts this process's subscriptions back on the primary as soon as one answers after a failover.
/// StackExchange.Redis re-subscribes by itself, but only when it reconfigures or a subscription connection comes up,
/// and a channel it tried while the new primary still counted as a replica stays off the bus until its next
/// reconfiguration (seconds later): long enough for requests to find no subscriber.
/// </summary>
/// <remarks>
/// Adding a handler to a channel makes StackExchange.Redis subscribe it if it is not subscribed now (with the flags
/// of its first subscription, <see cref="RedisPrimary.Only"/>); taking that handler away again leaves the channel
/// with its own handlers. Woken by connection events and by the first command that runs again after failures; it
/// polls while a followed channel has no server, for at most <see cref="GiveUpAfter"/> per wake.
/// </remarks>
internal sealed class SubscriptionFollower(ISubscriber subscriber)
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);
    private static readonly Action<RedisChannel, RedisValue> Nothing = static (_, _) => { };

    private readonly Dictionary<RedisChannel, int> _owners = [];
    private readonly Lock _gate = new();
    private int _following;
    private volatile bool _wokenAgain;

    public void Add(RedisChannel channel)
    {
        lock (_gate) _owners[channel] = _owners.GetValueOrDefault(channel) + 1;
    }

    public void Remove(RedisChannel channel)
    {
        lock (_gate)
        {
            if (!_owners.TryGetValue(channel, out var owners)) return;
            if (owners <= 1) _owners.Remove(channel);
            else _owners[channel] = owners - 1;
        }
    }

    public void Wake()
    {
        _wokenAgain = true;
        if (Interlocked.CompareExchange(ref _following, 1, 0) == 0) _ = Task.Run(FollowAsync);
    }

    private async Task FollowAsync()
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(started) < GiveUpAfter)
            {
                _wokenAgain = false;
                if (await ResubscribeMissingAsync() == 0) return;
                await Task.Delay(Pause);
            }
        }
        finally
        {
            Volatile.Write(ref _following, 0);
            // A wake that came while this round was ending must not be lost.
            if (_wokenAgain && Interlocked.CompareExchange(ref _following, 1, 0) == 0) _ = Task.Run(FollowAsync);
        }
    }

    /// <returns>How many followed channels had no server.</returns>
    private async Task<int> ResubscribeMissingAsync()
    {
        RedisChannel[] channels;
        lock (_gate) channels = [.. _owners.Keys];
        var missing = 0;
        foreach (var channel in channels)
        {
            if (subscriber.SubscribedEndpoint(channel) is not null) continue;
            missing++;
            try
            {
                await subscriber.SubscribeAsync(channel, Nothing, RedisPrimary.Only);
            }
            catch (Exception failure) when (failure is RedisException or TimeoutException)
            {
                // Still no primary: the next round tries again.
            }
            finally
            {
                try
                {
                    await subscriber.UnsubscribeAsync(channel, Nothing, CommandFlags.FireAndForget);
                }
                catch (RedisException)
                {
                    // The handler is removed locally whatever the server says.
                }
            }
        }
        return missing;
    }
}
