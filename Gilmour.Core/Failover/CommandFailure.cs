using StackExchange.Redis;

namespace Gilmour.Failover;

/// <summary>What a failed Redis command says about whether it ran, which decides whether it may be sent again.</summary>
public static class CommandFailure
{
    /// <summary>
    /// True when the command surely did not run: it never left this process (no primary to send it to, as during a
    /// failover or a reconnect), or the server refused it for the state it is in (a replica refusing writes, a primary
    /// still loading its data). Sending it again is a first attempt, never a repeat.
    /// </summary>
    public static bool NotRun(Exception failure) => failure switch
    {
        RedisConnectionException connection => connection.CommandStatus is CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog,
        RedisServerException server => server.Kind is RedisErrorKind.ReadOnly or RedisErrorKind.Loading or RedisErrorKind.MasterDown,
        _ => false,
    };

    /// <summary>
    /// True when the connection failed before or after the command was written: it may have run, or not. Only a
    /// command whose repetition changes nothing (an acknowledgement, a reply) may be sent again after this.
    /// </summary>
    public static bool ConnectionLost(Exception failure) => failure is RedisConnectionException || NotRun(failure);
}
