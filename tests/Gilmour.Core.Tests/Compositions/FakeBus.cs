using System.Collections.Concurrent;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Requests;

namespace Gilmour.Core.Tests.Compositions;

/// <summary>One request the runner sent: its topic, its data as JSON text, and the timeout it was given.</summary>
internal sealed record SentRequest(string Topic, string Data, TimeSpan Timeout);

/// <summary>
/// A fake bus for pure-logic tests of the composition runner (the real one is exercised against Redis elsewhere):
/// each topic answers through a handler, every request is recorded, an unknown topic answers 404 as Gilmour does.
/// </summary>
internal sealed class FakeBus
{
    private readonly ConcurrentDictionary<string, Func<JsonElement, TimeSpan, CancellationToken, Task<Reply>>> _topics = new();
    private readonly ConcurrentQueue<SentRequest> _sent = new();

    public IReadOnlyList<SentRequest> Sent => _sent.ToArray();

    public IReadOnlyList<string> SentTopics => _sent.Select(s => s.Topic).ToArray();

    public FakeBus On(string topic, Func<JsonElement, Reply> answer)
    {
        _topics[topic] = (data, _, _) => Task.FromResult(answer(data));
        return this;
    }

    public FakeBus On(string topic, Func<JsonElement, TimeSpan, CancellationToken, Task<Reply>> answer)
    {
        _topics[topic] = answer;
        return this;
    }

    public Task<Reply> SendAsync(string topic, JsonElement data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        _sent.Enqueue(new SentRequest(topic, data.ValueKind == JsonValueKind.Undefined ? "null" : data.GetRawText(), timeout));
        return _topics.TryGetValue(topic, out var answer)
            ? answer(data, timeout, cancellationToken)
            : Task.FromResult(new Reply(JsonOf($"\"{Codes.NoSubscriberText}{topic}\""), Codes.NoSubscriber));
    }

    public static JsonElement JsonOf(string text) => JsonDocument.Parse(text).RootElement.Clone();

    public static Reply Ok(string json) => new(JsonOf(json), Codes.Ok);

    public static Reply Failed(int code, string json) => new(JsonOf(json), code);
}
