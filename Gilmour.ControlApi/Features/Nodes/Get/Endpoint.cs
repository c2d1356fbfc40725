using FastEndpoints;
using Gilmour.ControlApi.Nodes;

namespace Gilmour.ControlApi.Features.Nodes.Get;

/// <summary>GET /nodes/{id}: <c>{id, host, port, health_check, slots, services, status}</c>.</summary>
public sealed class GetNodeEndpoint(RegisteredNodes nodes) : Endpoint<NodeIdRequest, NodeView>
{
    public override void Configure()
    {
        Get("/nodes/{id}");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct) =>
        await Send.OkAsync(NodeView.From(await nodes.GetAsync(request.Id)), ct);
}
