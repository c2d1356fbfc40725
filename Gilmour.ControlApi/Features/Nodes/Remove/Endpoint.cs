using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;

namespace Gilmour.ControlApi.Features.Nodes.Remove;

/// <summary>
/// DELETE /nodes/{id}: the node disappears and its subscriptions go; deliveries already in flight finish
/// (the dispatcher lets them), and its health ident leaves gilmour.known_host.health.
/// </summary>
public sealed class RemoveNodeEndpoint(ConfirmedRegistry nodes) : Endpoint<NodeIdRequest, StatusAnswer>
{
    public override void Configure()
    {
        Delete("/nodes/{id}");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Remove a node";
            s.Description = "The node disappears and its subscriptions go; deliveries already running finish, and its health " +
                "ident leaves gilmour.known_host.health.";
            s.Answers(StatusCodes.Status200OK, "removed", StatusAnswer.Ok, Refusal.UnknownNode);
        });
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        await nodes.RemoveAsync(request.Id, ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
