using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using StackExchange.Redis;

namespace Gilmour.Failover;

/// <summary>
/// The primary of a multiplexer's Redis deployment, as this process sees it. Every Gilmour command is sent to the
/// primary only (<see cref="Only"/>): a replica answers PUBSUB NUMSUB without the primary's subscribers and refuses
/// writes. While no primary can be reached (a Sentinel failover, a restart), a command fails at once without being
/// sent (the services run StackExchange.Redis with <c>BacklogPolicy.FailFast</c>, which never parks a command on the
/// connection of a primary that is gone), and <see cref="RunAsync{TState,T}"/> sends it again until it runs or its own
/// time is up. One instance per multiplexer, shared by everything on it.
/// </summary>
/// <remarks>
/// A command that may have reached the old primary (written, then the connection died) is sent again only when it
/// is repeatable (a reply, an acknowledgement): sending a request, a signal or an exclusion lock again could run it
/// twice. After the primary changed, subscriptions come back one by one and other processes' later still, so for
/// <see cref="SettleTime"/> after any connection change a publish that finds no subscriber is worth trying again
/// (<see cref="Settling"/>).
/// </remarks>
public sealed class RedisPrimary
{
    /// <summary>The routing of every Gilmour command: the primary, never a replica.</summary>
    public const CommandFlags Only = CommandFlags.DemandMaster;

    /// <summary>How long a command with no deadline of its own (a signal, a reply, a registry write) waits for a primary.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(5);

    /// <summary>How long after a connection change subscriptions may still be on their way to the primary.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(50);
    private static readonly ConditionalWeakTable<IConnectionMultiplexer, RedisPrimary> Primaries = new();

    /// <summary>What <see cref="_changedAt"/> holds before the first connection change (no clock's timestamp).</summary>
    private const long Unchanged = long.MinValue;

    private readonly SubscriptionFollower _subscriptions;
    private readonly TimeProvider _time;
    private long _changedAt = Unchanged;

    private RedisPrimary(IConnectionMultiplexer redis, TimeProvider time)
    {
        _time = time;
        _subscriptions = new SubscriptionFollower(redis.GetSubscriber());
        redis.ConnectionFailed += (_, _) => Changed();
        redis.ConnectionRestored += (_, _) =>
        {
            Changed();
            _subscriptions.Wake();
        };
        redis.ConfigurationChanged += (_, _) =>
        {
            Changed();
            _subscriptions.Wake();
        };
    }

    /// <summary>The primary of <paramref name="redis"/>'s deployment (one instance per multiplexer).</summary>
    public static RedisPrimary Of(IConnectionMultiplexer redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        return Primaries.GetValue(redis, static redis => new RedisPrimary(redis, TimeProvider.System));
    }

    /// <summary>
    /// The primary of <paramref name="redis"/>'s deployment, timing <see cref="Settling"/> on <paramref name="time"/>:
    /// the instance keeps the clock it was made with, so this comes before anything else uses the multiplexer.
    /// </summary>
    /// <exception cref="InvalidOperationException">the multiplexer's instance was made with another clock.</exception>
    internal static RedisPrimary Of(IConnectionMultiplexer redis, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(time);
        var primary = Primaries.GetValue(redis, redis => new RedisPrimary(redis, time));
        return ReferenceEquals(primary._time, time)
            ? primary
            : throw new InvalidOperationException("this multiplexer's RedisPrimary was made earlier, with another clock");
    }

    /// <summary>True within <see cref="SettleTime"/> of a connection lost, restored or reconfigured.</summary>
    public bool Settling
    {
        get
        {
            var changedAt = Volatile.Read(ref _changedAt);
            return changedAt != Unchanged && _time.GetElapsedTime(changedAt) < SettleTime;
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> (which routes itself with <see cref="Only"/>) and runs it again each time it
    /// fails without having run (<see cref="CommandFailure.NotRun"/>), or, when <paramref name="repeatable"/>, each
    /// time the connection failed under it, until it succeeds or <paramref name="stop"/> fires; then its last failure
    /// is thrown.
    /// </summary>
    public Task<T> RunAsync<TState, T>(TState state, Func<TState, Task<T>> command, CancellationToken stop, bool repeatable = false)
    {
        var first = Attempt(state, command, repeatable);
        // The usual case costs no retry machinery.
        return first.IsCompletedSuccessfully ? first : RetryAsync(first, state, command, stop, repeatable);
    }

    /// <inheritdoc cref="RunAsync{TState,T}(TState, Func{TState, Task{T}}, CancellationToken, bool)"/>
    /// <remarks>Waits at most <see cref="DefaultWait"/> for a primary.</remarks>
    public Task<T> RunAsync<TState, T>(TState state, Func<TState, Task<T>> command, bool repeatable = false) =>
        RunAsync(state, command, DefaultWait, repeatable);

    /// <inheritdoc cref="RunAsync{TState,T}(TState, Func{TState, Task{T}}, CancellationToken, bool)"/>
    /// <remarks>Waits at most <paramref name="wait"/> for a primary (the timer is made only when there is a wait).</remarks>
    public Task<T> RunAsync<TState, T>(TState state, Func<TState, Task<T>> command, TimeSpan wait, bool repeatable = false)
    {
        var first = Attempt(state, command, repeatable);
        return first.IsCompletedSuccessfully ? first : WaitAsync(first, state, command, wait, repeatable);
    }

    /// <summary>Runs a command that yields nothing; see <see cref="RunAsync{TState,T}(TState, Func{TState, Task{T}}, CancellationToken, bool)"/>.</summary>
    public Task RunAsync<TState>(TState state, Func<TState, Task> command, CancellationToken stop, bool repeatable = false) =>
        RunAsync((state, command), static async pair =>
        {
            await pair.command(pair.state);
            return true;
        }, stop, repeatable);

    /// <summary>Runs a command that yields nothing, waiting at most <see cref="DefaultWait"/> for a primary.</summary>
    public Task RunAsync<TState>(TState state, Func<TState, Task> command, bool repeatable = false) =>
        RunAsync((state, command), static async pair =>
        {
            await pair.command(pair.state);
            return true;
        }, repeatable);

    /// <summary>Keeps <paramref name="channel"/> subscribed on the primary across failovers (pair with <see cref="Unfollow"/>).</summary>
    public void Follow(RedisChannel channel) => _subscriptions.Add(channel);

    /// <summary>The channel's last owner in this process unsubscribed it.</summary>
    public void Unfollow(RedisChannel channel) => _subscriptions.Remove(channel);

    private async Task<T> WaitAsync<TState, T>(Task<T> first, TState state, Func<TState, Task<T>> command, TimeSpan wait, bool repeatable)
    {
        using var stop = new CancellationTokenSource(wait);
        return await RetryAsync(first, state, command, stop.Token, repeatable);
    }

    private static Task<T> Attempt<TState, T>(TState state, Func<TState, Task<T>> command, bool repeatable)
    {
        try
        {
            return command(state);
        }
        catch (Exception failure) when (Retryable(failure, repeatable))
        {
            // Some commands throw instead of returning a faulted task when there is nothing to send them to.
            return Task.FromException<T>(failure);
        }
    }

    private async Task<T> RetryAsync<TState, T>(Task<T> attempt, TState state, Func<TState, Task<T>> command,
        CancellationToken stop, bool repeatable)
    {
        var retried = false;
        while (true)
        {
            try
            {
                var result = await attempt;
                // A primary answers again: subscriptions that missed the change can follow it now.
                if (retried) _subscriptions.Wake();
                return result;
            }
            catch (Exception failure) when (Retryable(failure, repeatable))
            {
                try
                {
                    await Task.Delay(RetryPause, stop);
                }
                catch (OperationCanceledException)
                {
                    ExceptionDispatchInfo.Capture(failure).Throw();
                }
            }
            retried = true;
            attempt = Attempt(state, command, repeatable);
        }
    }

    private static bool Retryable(Exception failure, bool repeatable) =>
        repeatable ? CommandFailure.ConnectionLost(failure) : CommandFailure.NotRun(failure);

    private void Changed() => Volatile.Write(ref _changedAt, _time.GetTimestamp());
}
