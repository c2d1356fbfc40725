using Gilmour.Registry;
using StackExchange.Redis;

namespace Gilmour.Streaming;

/// <summary>
/// The lease of the stream a node holds open (<see cref="RegistryKeys.StreamLease"/>, holding the stream's id):
/// taken when a stream opens, renewed with its heartbeats, given up when it closes. A lease that lapses means the
/// ControlApi replica serving the stream died; the HealthMonitor then turns the node unavailable.
/// </summary>
public sealed class StreamLeases(IConnectionMultiplexer redis)
{
    // The lease and the takeover announcement in one step: the order of takeovers on the channel is the order of
    // leases, so the stream that announced last is also the one holding the lease.
    private const string TakeScript = """
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return redis.call('PUBLISH', ARGV[3], ARGV[4])
        """;

    private const string RenewScript = """
        local holder = redis.call('GET', KEYS[1])
        if holder == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        if not holder then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
          return 2
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    private readonly IDatabase _database = redis.GetDatabase();

    /// <summary>Takes the node's lease for <paramref name="streamId"/> (whoever held it) and announces the takeover.</summary>
    public Task TakeAsync(string nodeId, string streamId, TimeSpan lifetime) =>
        _database.ScriptEvaluateAsync(TakeScript, [RegistryKeys.StreamLease(nodeId)],
            [streamId, (long)lifetime.TotalMilliseconds, RegistryKeys.StreamChannel(nodeId), StreamFrame.Takeover(streamId)]);

    public async Task<LeaseRenewal> RenewAsync(string nodeId, string streamId, TimeSpan lifetime) =>
        (long)await _database.ScriptEvaluateAsync(RenewScript, [RegistryKeys.StreamLease(nodeId)],
            [streamId, (long)lifetime.TotalMilliseconds]) switch
        {
            1 => LeaseRenewal.Renewed,
            2 => LeaseRenewal.Retaken,
            _ => LeaseRenewal.HeldByAnother,
        };

    /// <summary>Gives the lease up if <paramref name="streamId"/> still holds it; true when it did.</summary>
    public async Task<bool> ReleaseAsync(string nodeId, string streamId) =>
        (long)await _database.ScriptEvaluateAsync(ReleaseScript, [RegistryKeys.StreamLease(nodeId)], [streamId]) == 1;

    /// <summary>For each node, whether some stream holds its lease now.</summary>
    public async Task<bool[]> HeldAsync(IReadOnlyList<string> nodeIds)
    {
        var batch = _database.CreateBatch();
        var checks = new Task<bool>[nodeIds.Count];
        for (var i = 0; i < checks.Length; i++) checks[i] = batch.KeyExistsAsync(RegistryKeys.StreamLease(nodeIds[i]));
        batch.Execute();
        return await Task.WhenAll(checks);
    }

    /// <summary>The registry write of a lost stream requires this: a stream that opened meanwhile holds the lease and wins.</summary>
    public static Condition NoStreamHolds(string nodeId) => Condition.KeyNotExists(RegistryKeys.StreamLease(nodeId));
}
