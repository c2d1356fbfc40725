using Gilmour.ControlApi.Contracts;

namespace Gilmour.ControlApi.Features.Nodes.List;

/// <summary><c>{nodes:[...]}</c>.</summary>
public sealed record ListNodesResponse(IReadOnlyList<NodeView> Nodes);
