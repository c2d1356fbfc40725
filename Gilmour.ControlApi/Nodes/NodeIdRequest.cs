namespace Gilmour.ControlApi.Nodes;

/// <summary>The request of a route that names only a node: /nodes/{id}, /nodes/{id}/slots, ...</summary>
public sealed class NodeIdRequest
{
    public string Id { get; init; } = "";
}
