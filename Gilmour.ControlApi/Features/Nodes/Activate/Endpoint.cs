using FastEndpoints;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Nodes;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Nodes.Activate;

/// <summary>
/// POST /nodes/{id}/activate: the way out of unavailable or dirty. Health pre-check first (502 and the status
/// unchanged when it fails), then status ok, answered once the subscriptions are live again.
/// </summary>
public sealed class ActivateNodeEndpoint(RegisteredNodes nodes, NodeHealthCheck healthCheck)
    : Endpoint<NodeIdRequest, ActivateNodeResponse>
{
    public override void Configure()
    {
        Post("/nodes/{id}/activate");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        var node = await nodes.GetAsync(request.Id);
        if (node.Transport == NodeTransport.Stream) throw new ActivatedByStream(node.Id);
        // A sender has nothing to check: it is simply ok again.
        if (node.Transport == NodeTransport.Callback) await healthCheck.CheckAsync(node.Address(node.HealthCheck), ct);
        var activated = await nodes.ChangeAsync(node.Id,
            current => current.Status == NodeStatus.Ok ? null : current with { Status = NodeStatus.Ok }, ct);
        await Send.OkAsync(new ActivateNodeResponse(activated.Id, activated.Status.ToWire()), ct);
    }
}
