using System.Collections.Concurrent;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Proxy.Tests.Dispatcher;

/// <summary>What arrives on Gilmour's error channel (the "publish" policy, Ruby's format) while a test runs.</summary>
public sealed class ErrorReports : IAsyncDisposable
{
    private readonly ChannelMessageQueue _queue;
    private readonly ConcurrentQueue<JsonElement> _reports = new();

    private ErrorReports(ChannelMessageQueue queue)
    {
        _queue = queue;
        _queue.OnMessage(message =>
        {
            var payload = JsonDocument.Parse((string)message.Message!).RootElement.Clone();
            _reports.Enqueue(payload.GetProperty("data"));
        });
    }

    public static async Task<ErrorReports> ListenAsync(IConnectionMultiplexer redis) =>
        new(await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(Channels.ErrorChannel)));

    /// <summary>Waits for the report about <paramref name="channel"/> (the full channel, as reports name it).</summary>
    public async Task<JsonElement> WaitForAsync(string channel)
    {
        JsonElement found = default;
        await Eventually.HoldsAsync(() =>
        {
            foreach (var report in _reports)
            {
                if (report.GetProperty("topic").GetString() != channel) continue;
                found = report;
                return true;
            }
            return false;
        }, TimeSpan.FromSeconds(10), () => $"no error report for {channel}; saw {string.Join(", ", _reports)}");
        return found;
    }

    public async ValueTask DisposeAsync() => await _queue.UnsubscribeAsync();
}
