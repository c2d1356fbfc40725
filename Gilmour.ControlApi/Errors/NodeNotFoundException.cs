namespace Gilmour.ControlApi.Errors;

/// <summary>The node id names no registered node (also: an id that is not even a UUID).</summary>
public sealed class NodeNotFoundException(string id) : Exception($"node {id} not found")
{
    public string Id { get; } = id;
}
