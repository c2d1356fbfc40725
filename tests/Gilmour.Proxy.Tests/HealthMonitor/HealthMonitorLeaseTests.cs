using Gilmour.HealthMonitor;
using Gilmour.Registry;
using Gilmour.Testing;
using Microsoft.Extensions.Options;

namespace Gilmour.Proxy.Tests.HealthMonitor;

/// <summary>
/// The probing lease between HealthMonitor replicas, on a real Redis: how soon a dead holder's lease is free and
/// taken is decided by its lifetime and by the standby's next attempt, both parts of the options, not by timing.
/// </summary>
public sealed class HealthMonitorLeaseTests
{
    private static readonly HealthMonitorOptions Settings = new() { IntervalSeconds = 2, ProbeTimeoutSeconds = 1 };

    [Theory]
    [InlineData(0.3)]
    [InlineData(2)]
    [InlineData(10)]
    public void A_standby_asks_often_enough_to_hold_a_dead_holders_lease_within_two_thirds_of_an_interval(double intervalSeconds)
    {
        var options = new HealthMonitorOptions { IntervalSeconds = intervalSeconds, ProbeTimeoutSeconds = intervalSeconds / 2 };

        // The lease lapses at most one lifetime after the holder's last renewal; the standby asks once per renewal period.
        Assert.True(options.LeaseLifetime + options.LeaseRenewal <= options.Interval * 2 / 3,
            $"lifetime {options.LeaseLifetime} + renewal {options.LeaseRenewal} for an interval of {options.Interval}");
        // The holder renews at least twice within one lifetime, so one slow renewal does not lose it.
        Assert.True(options.LeaseRenewal * 2 < options.LeaseLifetime);
    }

    [Fact]
    public async Task A_lease_whose_holder_stops_renewing_is_free_once_its_lifetime_passed_and_the_standbys_next_attempt_takes_it()
    {
        // A lifetime far longer than the test, and both replicas on a manual clock: nothing lapses while the machine
        // is merely slow. The time a dead holder's lease takes to lapse is played on both clocks below.
        var settings = new HealthMonitorOptions { IntervalSeconds = 600, ProbeTimeoutSeconds = 1 };
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var holderConnection = await redis.ConnectAsync();
        await using var standbyConnection = await redis.ConnectAsync();
        var holderClock = new ManualClock();
        var holder = new HealthMonitorLease(holderConnection, Options.Create(settings), holderClock);
        var standby = new HealthMonitorLease(standbyConnection, Options.Create(settings), new ManualClock());
        var db = standbyConnection.GetDatabase();

        Assert.True(await holder.TryHoldAsync());
        Assert.False(await standby.TryHoldAsync());
        Assert.True(holder.IsHeld);
        Assert.False(standby.IsHeld);
        // Redis forgets the lease one lifetime after the take at the latest.
        var ttl = await db.KeyTimeToLiveAsync(RegistryKeys.HealthMonitorLease);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromTicks(1), settings.LeaseLifetime);
        using var stop = new CancellationTokenSource();
        var standbyProbes = standby.WaitHeldAsync(stop.Token);

        // The holder dies: it renews no more. Its own clock counts the lifetime from the take it sent...
        holderClock.Advance(settings.LeaseLifetime - TimeSpan.FromTicks(1));
        Assert.True(holder.IsHeld);
        holderClock.Advance(TimeSpan.FromTicks(1));
        Assert.False(holder.IsHeld);
        // ...and Redis, whose lifetime started later, lets the lease lapse: the rest of it is played at once.
        Assert.True(await db.KeyExpireAsync(RegistryKeys.HealthMonitorLease, TimeSpan.FromMilliseconds(1)));
        await Eventually.HoldsAsync(async () => !await db.KeyExistsAsync(RegistryKeys.HealthMonitorLease), TimeSpan.FromSeconds(30),
            () => "the lease never expired");
        Assert.False(standbyProbes.IsCompleted, "the standby probed without holding the lease");

        Assert.True(await standby.TryHoldAsync());
        await standbyProbes.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(standby.IsHeld);
        Assert.Equal(1, standby.Term);
        Assert.Equal(standby.Holder, (string?)await db.StringGetAsync(RegistryKeys.HealthMonitorLease));
        // The old holder, back, finds the lease taken and does not probe.
        Assert.False(await holder.TryHoldAsync());
        Assert.False(holder.IsHeld);
    }

    [Fact]
    public async Task A_holder_cut_off_from_Redis_stops_counting_itself_the_holder_no_later_than_Redis_forgets_the_lease()
    {
        // Real clocks and a real expiry. Only the order is asserted, which no slowness of the machine can reverse:
        // the holder's deadline is counted from before its take was sent, Redis's from when it arrived.
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var connection = await redis.ConnectAsync();
        var holder = new HealthMonitorLease(connection, Options.Create(Settings), TimeProvider.System);
        var db = connection.GetDatabase();

        Assert.True(await holder.TryHoldAsync());
        await Eventually.HoldsAsync(async () => !await db.KeyExistsAsync(RegistryKeys.HealthMonitorLease), TimeSpan.FromSeconds(30),
            () => "the lease never expired");

        Assert.False(holder.IsHeld);
    }
}
