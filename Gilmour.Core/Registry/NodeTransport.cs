using System.Text.Json.Serialization;

namespace Gilmour.Registry;

/// <summary>How the proxy reaches a node.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NodeTransport>))]
public enum NodeTransport
{
    /// <summary>The node runs an HTTP server; the proxy posts deliveries to it and probes its health check.</summary>
    [JsonStringEnumMemberName("callback")] Callback,

    /// <summary>
    /// The node dials out: it holds a stream open to a control API, which writes its deliveries down it; its
    /// replies come back as calls. It is ok only while the stream is open.
    /// </summary>
    [JsonStringEnumMemberName("stream")] Stream,

    /// <summary>A sender: it publishes requests and signals and serves nothing.</summary>
    [JsonStringEnumMemberName("none")] None,
}

public static class NodeTransportText
{
    public static string ToWire(this NodeTransport transport) => transport switch
    {
        NodeTransport.Callback => "callback",
        NodeTransport.Stream => "stream",
        _ => "none",
    };
}
