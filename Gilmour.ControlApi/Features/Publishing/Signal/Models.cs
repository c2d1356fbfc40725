using System.Text.Json;

namespace Gilmour.ControlApi.Features.Publishing.Signal;

/// <summary>POST /signal/{id}: <c>{topic, message}</c>.</summary>
public sealed class PublishSignalBody
{
    /// <summary>The node that publishes (it must be ok).</summary>
    public string Id { get; init; } = "";
    public string? Topic { get; init; }

    /// <summary>Any JSON; absent means null.</summary>
    public JsonElement? Message { get; init; }
}

/// <summary><c>{status:"ok", sender}</c>: the sender the signal went out with.</summary>
public sealed record PublishSignalResponse(string Status, string Sender);
