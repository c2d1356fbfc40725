using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gilmour.ControlApi.Features.Streaming.Replies;

/// <summary>
/// POST /nodes/{id}/replies: <c>{"replies": [{id, code?, data?}, ...]}</c>, several of a node's replies in one call,
/// so that a busy node pays for one HTTP request per batch instead of one per reply.
/// </summary>
public sealed class StreamRepliesRequest : IJsonOnDeserializing
{
    /// <summary>The node that answers.</summary>
    public string Id { get; init; } = "";

    /// <summary>The replies, each to one request event; settled in this order.</summary>
    public List<StreamReplyItem?>? Replies { get; init; }

    /// <summary>Set when the body was a JSON object (a body of <c>null</c> binds as an empty request).</summary>
    [JsonIgnore]
    public bool IsObject { get; private set; }

    void IJsonOnDeserializing.OnDeserializing() => IsObject = true;
}

/// <summary>One reply of a batch: the request event's <c>id</c>, and the <c>code</c> and <c>data</c> the requester gets.</summary>
public sealed class StreamReplyItem : IReplyFields
{
    /// <summary>The <c>id</c> of the request event it answers.</summary>
    public string? Id { get; init; }

    /// <summary>The reply's Gilmour code; default 200.</summary>
    public int? Code { get; init; }

    /// <summary>The reply's data, any JSON; absent means null.</summary>
    public JsonElement? Data { get; init; }
}

/// <summary>What became of each reply of a batch, in the order they were given.</summary>
public sealed record StreamRepliesAnswer(IReadOnlyList<StreamReplyResult> Results);

/// <summary>
/// One reply's fate: <c>status</c> 200 (handed to the waiting dispatcher), 404 (never sent to this node, or answered
/// already) or 410 (the request ended first), with <c>error</c> saying why when it is not 200.
/// </summary>
public sealed record StreamReplyResult(
    string Id,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
