using System.Text.Json.Serialization;

namespace Gilmour.Registry;

/// <summary>ok: subscribed; unavailable: failing health probes, unsubscribed, still probed; dirty: nothing listens, all activity stopped.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeStatus>))]
public enum NodeStatus
{
    [JsonStringEnumMemberName("ok")] Ok,
    [JsonStringEnumMemberName("unavailable")] Unavailable,
    [JsonStringEnumMemberName("dirty")] Dirty,
}

public static class NodeStatusText
{
    public static string ToWire(this NodeStatus status) => status switch
    {
        NodeStatus.Ok => "ok",
        NodeStatus.Unavailable => "unavailable",
        _ => "dirty",
    };
}
