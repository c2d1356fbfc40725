using FastEndpoints;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Nodes;

namespace Gilmour.ControlApi.Features.Services.List;

/// <summary>GET /nodes/{id}/services.</summary>
public sealed class ListServicesEndpoint(RegisteredNodes nodes) : Endpoint<NodeIdRequest, ListServicesResponse>
{
    public override void Configure()
    {
        Get("/nodes/{id}/services");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "List a node's services";
            s.Answers(StatusCodes.Status200OK, "the services",
                new ListServicesResponse([new SubscriptionView("shop.price", "shop", "/price", 30)]),
                Refusal.UnknownNode);
        });
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        var node = await nodes.GetAsync(request.Id);
        await Send.OkAsync(new ListServicesResponse(SubscriptionView.From(node.Services)), ct);
    }
}
