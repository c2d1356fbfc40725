using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Nodes.Activate;

/// <summary>
/// POST /nodes/{id}/activate: the way out of unavailable or dirty. Health pre-check first (502 and the status
/// unchanged when it fails), then status ok, answered once the subscriptions are live again.
/// </summary>
public sealed class ActivateNodeEndpoint(ConfirmedRegistry nodes, NodeHealthCheck healthCheck)
    : Endpoint<NodeIdRequest, ActivateNodeResponse>
{
    public override void Configure()
    {
        Post("/nodes/{id}/activate");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Activate an unavailable or dirty node";
            s.Description = "Health pre-check first (502, status unchanged, when it fails), then status ok, answered once the " +
                "node's subscriptions are live again. No body.";
            s.Answers(StatusCodes.Status200OK, "the node is ok again", new ActivateNodeResponse("0f8fad5b-d9cb-469f-a165-70867728950e", "ok"),
                Refusal.UnknownNode,
                new Refusal(StatusCodes.Status502BadGateway, "the health pre-check failed; the status is unchanged",
                    "health check of http://127.0.0.1:8080/health failed: it answered 503 Service Unavailable"));
        });
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        var node = await nodes.GetAsync(request.Id);
        if (node.Transport == NodeTransport.Stream) throw new ActivatedByStreamException(node.Id);
        // A sender has nothing to check: it is simply ok again.
        if (node.Transport == NodeTransport.Callback) await healthCheck.CheckAsync(node.Address(node.HealthCheck), ct);
        var activated = await nodes.ChangeAsync(node.Id,
            current => current.Status == NodeStatus.Ok ? null : current with { Status = NodeStatus.Ok }, ct);
        await Send.OkAsync(new ActivateNodeResponse(activated.Id, activated.Status.ToWire()), ct);
    }
}
