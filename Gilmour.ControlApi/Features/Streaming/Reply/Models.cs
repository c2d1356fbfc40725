using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gilmour.ControlApi.Features.Streaming.Reply;

/// <summary>POST /nodes/{id}/replies/{delivery}: <c>{code?, data?}</c>, the node's answer to one request delivery.</summary>
public sealed class StreamReplyRequest : IJsonOnDeserializing, IReplyFields
{
    /// <summary>The node that answers.</summary>
    public string Id { get; init; } = "";

    /// <summary>The <c>id</c> of the request event it answers.</summary>
    public string Delivery { get; init; } = "";

    /// <summary>The reply's Gilmour code; default 200.</summary>
    public int? Code { get; init; }

    /// <summary>The reply's data, any JSON; absent means null.</summary>
    public JsonElement? Data { get; init; }

    /// <summary>
    /// Set when the body was a JSON object: a body of <c>null</c> binds as an empty request, and would otherwise answer
    /// with code 200 and no data.
    /// </summary>
    [JsonIgnore]
    public bool IsObject { get; private set; }

    void IJsonOnDeserializing.OnDeserializing() => IsObject = true;
}
