using Gilmour.Registry;

namespace Gilmour.ControlApi.Registration;

/// <summary>The <c>transport</c> of a registration as a client spells it.</summary>
public static class NodeTransports
{
    public const string Choices = "callback, stream or none";

    /// <summary>The transport named; absent means callback; null for a name that is none of them.</summary>
    public static NodeTransport? Parse(string? name) => name switch
    {
        null or "callback" => NodeTransport.Callback,
        "stream" => NodeTransport.Stream,
        "none" => NodeTransport.None,
        _ => null,
    };

    /// <summary>
    /// A callback node is ok once its health pre-check passed; a stream node only while its stream is open (it has
    /// not opened one yet); a sender serves nothing, so it is ok at once.
    /// </summary>
    public static NodeStatus InitialStatus(this NodeTransport transport) =>
        transport == NodeTransport.Stream ? NodeStatus.Unavailable : NodeStatus.Ok;
}
