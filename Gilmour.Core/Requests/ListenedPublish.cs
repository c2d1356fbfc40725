using StackExchange.Redis;

namespace Gilmour.Requests;

/// <summary>
/// Publishes a request only if a responder subscribes to its channel, as Go and Ruby do (PUBSUB NUMSUB first,
/// nothing published when it is zero), in one round trip: a Lua script runs both on the server.
/// </summary>
/// <remarks>
/// PUBLISH's own receiver count is not enough: it also counts pattern subscribers (a monitor on "gilmour.*"),
/// which never answer, so a request nobody serves would wait for its timeout instead of ending with 404; and a
/// Ruby responder with a wildcard reply handler would run a request its requester was told nobody listens to.
/// Where scripts are refused (a Garnet started without --lua, EVAL renamed away) it falls back for good to
/// NUMSUB then PUBLISH: same outcome, one round trip more.
/// </remarks>
internal sealed class ListenedPublish(IConnectionMultiplexer redis)
{
    /// <summary>What <see cref="PublishAsync"/> answers when nobody subscribes: nothing was published.</summary>
    public const long NobodyListens = -1;

    private const string Script = """
        if redis.call('PUBSUB', 'NUMSUB', KEYS[1])[2] == 0 then return -1 end
        return redis.call('PUBLISH', KEYS[1], ARGV[1])
        """;

    private readonly IDatabase _database = redis.GetDatabase();
    private readonly ISubscriber _subscriber = redis.GetSubscriber();
    private volatile bool _scriptsRefused;

    /// <summary>True once the server refused the script and requests take two round trips.</summary>
    public bool ScriptsRefused => _scriptsRefused;

    /// <returns><see cref="NobodyListens"/>, or how many subscribers received the message.</returns>
    public async Task<long> PublishAsync(string channel, byte[] payload)
    {
        if (!_scriptsRefused)
        {
            try
            {
                return (long)await _database.ScriptEvaluateAsync(Script, [channel], [payload]);
            }
            catch (RedisServerException)
            {
                // Only the server's own refusal lands here (connection failures are other exceptions), and the
                // script cannot fail on its own: scripting is unavailable on this server.
                _scriptsRefused = true;
            }
        }
        // PUBSUB NUMSUB answers [channel, count].
        var numsub = (RedisResult[])(await _database.ExecuteAsync("PUBSUB", "NUMSUB", channel))!;
        if ((long)numsub[1] == 0) return NobodyListens;
        return await _subscriber.PublishAsync(RedisChannel.Literal(channel), payload);
    }
}
