using Gilmour.Failover;
using StackExchange.Redis;

namespace Gilmour.Requests;

/// <summary>
/// Publishes a request only if a responder subscribes to its channel, as Go and Ruby do (PUBSUB NUMSUB first,
/// nothing published when it is zero), in one round trip: a Lua script runs both on the server. Both run on the
/// primary: a replica knows none of the primary's subscribers.
/// </summary>
/// <remarks>
/// PUBLISH's own receiver count is not enough: it also counts pattern subscribers (a monitor on "gilmour.*"),
/// which never answer, so a request nobody serves would wait for its timeout instead of ending with 404; and a
/// Ruby responder with a wildcard reply handler would run a request its requester was told nobody listens to.
/// Where scripts are refused (a Garnet started without --lua, EVAL renamed away) it falls back for good to
/// NUMSUB then PUBLISH: same outcome, one round trip more.
/// Right after the primary changed, responders are still re-subscribing there (each process when it sees the new
/// primary): nobody listening is then asked again until <see cref="RedisPrimary.SettleTime"/> is over, instead of
/// being a 404 for a topic whose responders are on their way.
/// </remarks>
internal sealed class ListenedPublish(IConnectionMultiplexer redis)
{
    /// <summary>What <see cref="PublishAsync"/> answers when nobody subscribes: nothing was published.</summary>
    public const long NobodyListens = -1;

    private const string Script = """
        if redis.call('PUBSUB', 'NUMSUB', KEYS[1])[2] == 0 then return -1 end
        return redis.call('PUBLISH', KEYS[1], ARGV[1])
        """;

    private static readonly TimeSpan AskAgainPause = TimeSpan.FromMilliseconds(50);

    private readonly IDatabase _database = redis.GetDatabase();
    private readonly ISubscriber _subscriber = redis.GetSubscriber();
    private readonly RedisPrimary _primary = RedisPrimary.Of(redis);
    private volatile bool _scriptsRefused;

    /// <summary>True once the server refused the script and requests take two round trips.</summary>
    public bool ScriptsRefused => _scriptsRefused;

    /// <summary>
    /// Publishes on <paramref name="channel"/> if anybody listens, waiting for a primary until <paramref name="stop"/>
    /// fires; <paramref name="abandon"/> ends the wait too (the requester is gone) by throwing.
    /// </summary>
    /// <returns><see cref="NobodyListens"/>, or how many subscribers received the message.</returns>
    /// <exception cref="RedisException">no primary could be reached before <paramref name="stop"/>, or the
    /// connection failed after the request was sent (it may have been published: it is not sent again).</exception>
    public async Task<long> PublishAsync(string channel, byte[] payload, CancellationToken stop, CancellationToken abandon = default)
    {
        while (true)
        {
            var received = await _primary.RunAsync((Publish: this, Channel: channel, Payload: payload, Abandon: abandon),
                static state =>
                {
                    state.Abandon.ThrowIfCancellationRequested();
                    return state.Publish.PublishOnceAsync(state.Channel, state.Payload);
                }, stop);
            if (received != NobodyListens || !_primary.Settling) return received;
            try
            {
                await Task.Delay(AskAgainPause, stop);
            }
            catch (OperationCanceledException)
            {
                return NobodyListens;
            }
        }
    }

    private async Task<long> PublishOnceAsync(string channel, byte[] payload)
    {
        if (!_scriptsRefused)
        {
            try
            {
                return (long)await _database.ScriptEvaluateAsync(Script, [channel], [payload], RedisPrimary.Only);
            }
            catch (RedisServerException refused) when (!CommandFailure.NotRun(refused))
            {
                // Only the server's own refusal lands here (connection failures are other exceptions, a replica's or
                // a loading primary's refusal is a failover to wait out), and the script cannot fail on its own:
                // scripting is unavailable on this server.
                _scriptsRefused = true;
            }
        }
        // PUBSUB NUMSUB answers [channel, count].
        var numsub = (RedisResult[])(await _database.ExecuteAsync("PUBSUB", ["NUMSUB", channel], RedisPrimary.Only))!;
        if ((long)numsub[1] == 0) return NobodyListens;
        return await _subscriber.PublishAsync(RedisChannel.Literal(channel), payload, RedisPrimary.Only);
    }
}
