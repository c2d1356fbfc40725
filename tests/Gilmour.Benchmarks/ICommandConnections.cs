using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>Where a Go-style requester sends its commands (PUBSUB NUMSUB, PUBLISH): what tells (b) from (b').</summary>
public interface ICommandConnections
{
    Task<T> DoAsync<T>(Func<IDatabase, Task<T>> command);
}
