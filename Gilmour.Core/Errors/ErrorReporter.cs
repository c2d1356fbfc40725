using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Gilmour.Failover;
using Gilmour.Json;
using Gilmour.Protocol;
using StackExchange.Redis;

namespace Gilmour.Errors;

/// <summary>
/// Reports failures the way the configured <see cref="ErrorPolicy"/> says: Ruby's message on gilmour.error
/// (publish), Go's capped list gilmour.errorqueue (queue), or not at all (ignore).
/// </summary>
public sealed class ErrorReporter
{
    // Report text goes to Ruby and Go tools as raw UTF-8, like the messages the codec writes.
    private static readonly JsonSerializerOptions ReportOptions =
        new(GilmourJson.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonTypeInfo<GoErrorReport> GoReport =
        (JsonTypeInfo<GoErrorReport>)ReportOptions.GetTypeInfo(typeof(GoErrorReport));

    private readonly IDatabase _database;
    private readonly ISubscriber _subscriber;
    private readonly RedisPrimary _primary;
    private readonly TimeProvider _time;

    public ErrorReporter(IConnectionMultiplexer redis, ErrorPolicy policy, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _database = redis.GetDatabase();
        _subscriber = redis.GetSubscriber();
        _primary = RedisPrimary.Of(redis);
        Policy = policy;
        _time = time ?? TimeProvider.System;
    }

    public ErrorPolicy Policy { get; }

    /// <summary>
    /// Reports one failure; one Redis round trip (none for <see cref="ErrorPolicy.Ignore"/>), on the primary, waiting
    /// for one at most <see cref="RedisPrimary.DefaultWait"/>.
    /// </summary>
    /// <exception cref="RedisException">no primary within the wait, or the connection failed after the report was sent.</exception>
    public Task ReportAsync(ErrorReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Policy switch
        {
            ErrorPolicy.Publish => PublishAsync(report),
            ErrorPolicy.Queue => QueueAsync(report),
            _ => Task.CompletedTask,
        };
    }

    private Task PublishAsync(ErrorReport report)
    {
        var ruby = new RubyErrorReport(
            report.Code,
            report.Topic,
            RequestText(report.RequestData),
            Userdata: "{}",
            report.Sender,
            MultiProcess: false,
            report.Backtrace,
            _time.GetUtcNow().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture));
        var data = JsonSerializer.SerializeToElement(ruby, GilmourJson.Default.RubyErrorReport);
        // Ruby wraps the report in an ordinary message: code 0 and a sender of its own (32 hex characters).
        var payload = MessageCodec.Encode(new Message(data, 0, Guid.NewGuid().ToString("N")));
        return _primary.RunAsync((Subscriber: _subscriber, Payload: payload),
            static state => state.Subscriber.PublishAsync(RedisChannel.Literal(Channels.ErrorChannel), state.Payload, RedisPrimary.Only));
    }

    private async Task QueueAsync(ErrorReport report)
    {
        var go = new GoErrorReport(
            report.Topic,
            RequestText(report.RequestData),
            UserData: "",
            report.Sender,
            MultiProcess: false,
            _time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            report.Backtrace,
            report.Code);
        var payload = JsonSerializer.SerializeToUtf8Bytes(go, GoReport);
        await _primary.RunAsync((Database: _database, Payload: payload), static state => PushAsync(state.Database, state.Payload));
    }

    private static async Task<bool> PushAsync(IDatabase database, byte[] payload)
    {
        // LPUSH and LTRIM leave in one write (a batch): one round trip, and the list never stays over its cap.
        var batch = database.CreateBatch();
        var push = batch.ListLeftPushAsync(Channels.ErrorQueue, payload, When.Always, RedisPrimary.Only);
        var trim = batch.ListTrimAsync(Channels.ErrorQueue, 0, Channels.ErrorQueueLength - 1, RedisPrimary.Only);
        batch.Execute();
        await Task.WhenAll(push, trim);
        return true;
    }

    private static string RequestText(JsonElement data) =>
        data.ValueKind == JsonValueKind.Undefined ? "null" : data.GetRawText();
}
