namespace Gilmour.ControlApi.Contracts;

/// <summary>The request of a route that names only a node: /nodes/{id}, /nodes/{id}/slots, ...</summary>
public sealed class NodeIdRequest
{
    public string Id { get; init; } = "";
}
