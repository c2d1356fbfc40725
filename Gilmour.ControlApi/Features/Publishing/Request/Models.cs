using System.Text.Json;
using System.Text.Json.Serialization;
using Gilmour.ControlApi.Messaging;
using Gilmour.Json;

namespace Gilmour.ControlApi.Features.Publishing.Request;

/// <summary>POST /request/{id}: <c>{topic?, composition?, message, timeout?}</c>, exactly one of topic and composition.</summary>
public sealed class PublishRequestBody
{
    /// <summary>The node that publishes (it must be ok).</summary>
    public string Id { get; init; } = "";
    public string? Topic { get; init; }
    public JsonElement? Composition { get; init; }

    /// <summary>Any JSON; absent means null.</summary>
    public JsonElement? Message { get; init; }

    /// <summary>Seconds; default DefaultRequestTimeoutSeconds, capped at MaxRequestTimeoutSeconds.</summary>
    public double? Timeout { get; init; }
}

/// <summary>
/// <c>{messages:[{data, code}], code, length}</c>: code is the highest of the messages' codes. <c>timeout_capped</c>,
/// only when the request asked for more than MaxRequestTimeoutSeconds: the seconds it waited at most instead.
/// </summary>
public sealed record PublishRequestResponse(
    IReadOnlyList<ReplyView> Messages,
    int Code,
    int Length,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TimeoutCapped = null) : ISizedAnswer
{
    /// <summary>The messages' data as read, and room for the fields around them.</summary>
    [JsonIgnore]
    public int SizeHint => Messages.Sum(m => JsonValueSize.Of(m.Data) + 32) + 96;
}

public sealed record ReplyView(JsonElement Data, int Code);
