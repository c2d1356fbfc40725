using StackExchange.Redis;

namespace Gilmour.Responding;

/// <summary>
/// The responding side of one Gilmour process: its reply handlers (exclusion group mandatory, no wildcard,
/// one handler per topic+group) and slots (wildcards allowed, group optional), its health ident, its error
/// reports. Messages are handled concurrently; the exclusion lock is taken before a grouped handler runs.
/// </summary>
public sealed class Responder : IAsyncDisposable
{
    public Responder(IConnectionMultiplexer redis, ResponderOptions? options = null) => throw new NotImplementedException();

    public string Ident => throw new NotImplementedException();

    /// <summary>Topics subscribed now, as health pings report them.</summary>
    public IReadOnlyCollection<string> Topics => throw new NotImplementedException();

    /// <summary>Registers the health ident (per options) and answers health pings.</summary>
    public Task StartAsync() => throw new NotImplementedException();

    /// <summary>Subscribes a reply handler. Disposing the result unsubscribes it (in-flight handlers finish).</summary>
    /// <exception cref="ArgumentException">empty topic or group, or a wildcard topic.</exception>
    /// <exception cref="InvalidOperationException">this process already has a handler for topic+group.</exception>
    public Task<IAsyncDisposable> ReplyAsync(string topic, string group, ReplyHandler handler, TimeSpan timeout) =>
        throw new NotImplementedException();

    /// <summary>Subscribes a slot (PSUBSCRIBE when the topic contains '*'). Disposing the result unsubscribes it.</summary>
    public Task<IAsyncDisposable> SlotAsync(string topic, string? group, SlotHandler handler, TimeSpan timeout) =>
        throw new NotImplementedException();

    /// <summary>Unsubscribes everything, unregisters the ident (per options); in-flight handlers finish.</summary>
    public Task StopAsync() => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
