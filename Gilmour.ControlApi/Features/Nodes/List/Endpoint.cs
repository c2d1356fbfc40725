using FastEndpoints;
using Gilmour.ControlApi.Nodes;

namespace Gilmour.ControlApi.Features.Nodes.List;

/// <summary>GET /nodes: every registered node, whatever its status.</summary>
public sealed class ListNodesEndpoint(RegisteredNodes nodes) : EndpointWithoutRequest<ListNodesResponse>
{
    public override void Configure() => Get("/nodes");

    public override async Task HandleAsync(CancellationToken ct)
    {
        var all = await nodes.ListAsync();
        await Send.OkAsync(new ListNodesResponse([.. all.OrderBy(n => n.RegisteredAt).Select(NodeView.From)]), ct);
    }
}
