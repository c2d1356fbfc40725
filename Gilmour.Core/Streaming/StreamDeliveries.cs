using System.Security.Cryptography;
using Gilmour.Registry;
using StackExchange.Redis;

namespace Gilmour.Streaming;

/// <summary>
/// The deliveries to stream nodes that await a reply, one hash each (<see cref="RegistryKeys.StreamDelivery"/>):
/// state (pending, timed out, stream closed), node, and the channel of the dispatcher waiting. The reply (on any
/// ControlApi replica) and the end (the dispatcher's timeout, or the node's stream closing) each change the state
/// in one Lua script, so exactly one of them wins: a reply after the timeout is refused, and a reply that won is
/// the one the requester gets.
/// </summary>
/// <remarks>
/// Scripts need a server that runs Lua (Redis does; the app host starts Garnet with --lua).
/// </remarks>
public sealed class StreamDeliveries(IConnectionMultiplexer redis)
{
    /// <summary>How long a delivery that ended keeps its state, so that a late reply is told why (410) rather than 404.</summary>
    public static readonly TimeSpan LateReplyWindow = TimeSpan.FromMinutes(2);

    // Published only to a stream that is open (NUMSUB counts channel subscribers, not a monitor's pattern); the
    // delivery is recorded in the same step, so its reply can never arrive before the record.
    private const string StartScript = """
        if redis.call('PUBSUB', 'NUMSUB', ARGV[4])[2] == 0 then return 0 end
        redis.call('HSET', KEYS[1], 's', 'p', 'n', ARGV[1], 'r', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        local receivers = redis.call('PUBLISH', ARGV[4], ARGV[5])
        if receivers == 0 then redis.call('DEL', KEYS[1]) end
        return receivers
        """;

    // Per reply, in order: 1 delivered, 0 unknown to this node (or answered already, also earlier in the same
    // batch), 2 timed out, 3 stream closed. ARGV[1] is the node, ARGV[i + 1] the envelope of KEYS[i].
    private const string AnswerScript = """
        local outcomes = {}
        for i, key in ipairs(KEYS) do
          local f = redis.call('HMGET', key, 's', 'n', 'r')
          if not f[1] or f[2] ~= ARGV[1] then outcomes[i] = 0
          elseif f[1] == 'p' then
            redis.call('DEL', key)
            redis.call('PUBLISH', f[3], ARGV[i + 1])
            outcomes[i] = 1
          elseif f[1] == 't' then outcomes[i] = 2
          else outcomes[i] = 3 end
        end
        return outcomes
        """;

    private const string SignalScript = """
        if redis.call('PUBSUB', 'NUMSUB', ARGV[1])[2] == 0 then return 0 end
        return redis.call('PUBLISH', ARGV[1], ARGV[2])
        """;

    private const string EndScript = """
        if redis.call('HGET', KEYS[1], 's') ~= 'p' then return 0 end
        redis.call('HSET', KEYS[1], 's', ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly IDatabase _database = redis.GetDatabase();

    /// <summary>A fresh delivery id: 32 lowercase hex digits.</summary>
    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>What <see cref="NewId"/> makes; anything else names no delivery (no need to ask Redis).</summary>
    public static bool IsWellFormed(string? id)
    {
        if (id is not { Length: 32 }) return false;
        foreach (var c in id)
            if (c is not (>= '0' and <= '9' or >= 'a' and <= 'f')) return false;
        return true;
    }

    /// <summary>
    /// Records the delivery as pending for <paramref name="lifetime"/> and publishes <paramref name="frame"/> on the
    /// node's stream channel, in one step; nothing is recorded when no stream is open.
    /// </summary>
    /// <returns>How many stream holders received it: 0 when the node's stream is not open anywhere.</returns>
    public async Task<long> StartAsync(string deliveryId, string nodeId, string repliesChannel, TimeSpan lifetime, byte[] frame) =>
        (long)await _database.ScriptEvaluateAsync(StartScript, [RegistryKeys.StreamDelivery(deliveryId)],
            [nodeId, repliesChannel, (long)lifetime.TotalMilliseconds, RegistryKeys.StreamChannel(nodeId), frame]);

    /// <summary>Publishes a signal's frame on the node's stream channel if its stream is open anywhere.</summary>
    /// <returns>How many stream holders received it: 0 when the node's stream is not open anywhere.</returns>
    public async Task<long> SignalAsync(string nodeId, byte[] frame) =>
        (long)await _database.ScriptEvaluateAsync(SignalScript, [], [RegistryKeys.StreamChannel(nodeId), frame]);

    /// <summary>
    /// The node's reply: when the delivery is still pending and is this node's, <paramref name="envelope"/> goes to
    /// the dispatcher waiting for it (<see cref="ReplyEnvelope"/>) and the delivery is gone.
    /// </summary>
    public async Task<ReplyOutcome> AnswerAsync(string deliveryId, string nodeId, byte[] envelope) =>
        (await AnswerAllAsync(nodeId, [deliveryId], [envelope]))[0];

    /// <summary>
    /// Several replies of one node in one step, each settled as <see cref="AnswerAsync"/> settles one; the outcomes
    /// come in the order of <paramref name="deliveryIds"/>.
    /// </summary>
    public async Task<ReplyOutcome[]> AnswerAllAsync(string nodeId, IReadOnlyList<string> deliveryIds, IReadOnlyList<byte[]> envelopes)
    {
        if (deliveryIds.Count != envelopes.Count) throw new ArgumentException("one envelope per delivery", nameof(envelopes));
        var keys = new RedisKey[deliveryIds.Count];
        var values = new RedisValue[envelopes.Count + 1];
        values[0] = nodeId;
        for (var i = 0; i < keys.Length; i++)
        {
            keys[i] = RegistryKeys.StreamDelivery(deliveryIds[i]);
            values[i + 1] = envelopes[i];
        }
        var answered = (RedisResult[])(await _database.ScriptEvaluateAsync(AnswerScript, keys, values))!;
        var outcomes = new ReplyOutcome[answered.Length];
        for (var i = 0; i < outcomes.Length; i++)
        {
            outcomes[i] = (long)answered[i] switch
            {
                1 => ReplyOutcome.Delivered,
                2 => ReplyOutcome.TimedOut,
                3 => ReplyOutcome.StreamClosed,
                _ => ReplyOutcome.Unknown,
            };
        }
        return outcomes;
    }

    /// <summary>
    /// Ends a pending delivery without its reply (<see cref="ReplyOutcome.TimedOut"/> or
    /// <see cref="ReplyOutcome.StreamClosed"/>). False when the reply came first: it is on its way to the dispatcher.
    /// </summary>
    public async Task<bool> EndAsync(string deliveryId, ReplyOutcome end)
    {
        if (end is not (ReplyOutcome.TimedOut or ReplyOutcome.StreamClosed))
            throw new ArgumentOutOfRangeException(nameof(end), end, "a delivery ends by its timeout or by its stream closing");
        return (long)await _database.ScriptEvaluateAsync(EndScript, [RegistryKeys.StreamDelivery(deliveryId)],
            [end == ReplyOutcome.TimedOut ? "t" : "c", (long)LateReplyWindow.TotalMilliseconds]) == 1;
    }
}
