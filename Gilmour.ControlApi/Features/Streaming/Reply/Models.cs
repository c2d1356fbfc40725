using System.Text.Json;

namespace Gilmour.ControlApi.Features.Streaming.Reply;

/// <summary>POST /nodes/{id}/replies/{delivery}: <c>{code?, data?}</c>, the node's answer to one request delivery.</summary>
public sealed class StreamReplyRequest
{
    /// <summary>The node that answers.</summary>
    public string Id { get; init; } = "";

    /// <summary>The <c>id</c> of the request event it answers.</summary>
    public string Delivery { get; init; } = "";

    /// <summary>The reply's Gilmour code; default 200.</summary>
    public int? Code { get; init; }

    /// <summary>The reply's data, any JSON; absent means null.</summary>
    public JsonElement? Data { get; init; }
}
