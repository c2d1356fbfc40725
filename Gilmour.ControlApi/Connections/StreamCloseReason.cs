using System.Text;
using System.Text.Json;

namespace Gilmour.ControlApi.Connections;

/// <summary>
/// Why a node stream ended. All but a disconnect are told to the node first, as <c>event: close</c> with
/// <c>{"reason": ...}</c>.
/// </summary>
public sealed record StreamCloseReason(string Reason, bool Told)
{
    /// <summary>A newer stream of the same node took over.</summary>
    public static readonly StreamCloseReason Replaced = new("replaced", true);

    /// <summary>The node was deleted.</summary>
    public static readonly StreamCloseReason Deleted = new("deleted", true);

    /// <summary>The node stopped reading: its writes stayed blocked, or its deliveries piled up past the bound.</summary>
    public static readonly StreamCloseReason TooSlow = new("too slow", true);

    /// <summary>This control API replica is stopping.</summary>
    public static readonly StreamCloseReason ShuttingDown = new("shutting down", true);

    /// <summary>The node went away (or its connection did): nobody is left to tell.</summary>
    public static readonly StreamCloseReason Disconnected = new("disconnected", false);

    /// <summary>The event that tells it: <c>event: close</c>, <c>data: {"reason": "..."}</c>.</summary>
    public byte[] Event { get; } = Encoding.UTF8.GetBytes(
        $"event: close\ndata: {{\"reason\":{JsonSerializer.Serialize(Reason, Gilmour.Json.GilmourJson.Default.String)}}}\n\n");
}
