using Gilmour.Failover;
using StackExchange.Redis;

namespace Gilmour.Core.Tests.Failover;

/// <summary>Which failed commands may be sent again: only those that surely did not run, unless they are repeatable.</summary>
public sealed class CommandFailureTests
{
    [Theory]
    [InlineData(CommandStatus.WaitingToBeSent, true)]
    [InlineData(CommandStatus.WaitingInBacklog, true)]
    [InlineData(CommandStatus.Sent, false)]
    [InlineData(CommandStatus.Unknown, false)]
    public void A_connection_failure_counts_as_not_run_only_when_the_command_never_left(CommandStatus status, bool notRun)
    {
        var failure = new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "gone", null, status);

        Assert.Equal(notRun, CommandFailure.NotRun(failure));
        Assert.True(CommandFailure.ConnectionLost(failure));
    }

    [Theory]
    [InlineData(RedisErrorKind.ReadOnly, true)]
    [InlineData(RedisErrorKind.Loading, true)]
    [InlineData(RedisErrorKind.MasterDown, true)]
    [InlineData(RedisErrorKind.WrongType, false)]
    [InlineData(RedisErrorKind.NoScript, false)]
    public void A_server_refusal_counts_as_not_run_only_for_the_state_a_failover_passes_through(RedisErrorKind kind, bool notRun)
    {
        var failure = new RedisServerException(kind, CommandFlags.None, "refused");

        Assert.Equal(notRun, CommandFailure.NotRun(failure));
        Assert.Equal(notRun, CommandFailure.ConnectionLost(failure));
    }

    [Fact]
    public void A_timeout_is_never_sent_again()
    {
        var failure = new RedisTimeoutException(CommandFlags.None, "slow", CommandStatus.Sent);

        Assert.False(CommandFailure.NotRun(failure));
        Assert.False(CommandFailure.ConnectionLost(failure));
    }
}
