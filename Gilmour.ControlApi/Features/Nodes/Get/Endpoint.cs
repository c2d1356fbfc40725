using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;

namespace Gilmour.ControlApi.Features.Nodes.Get;

/// <summary>GET /nodes/{id}: <c>{id, host, port, health_check, slots, services, status}</c>.</summary>
public sealed class GetNodeEndpoint(ConfirmedRegistry nodes) : Endpoint<NodeIdRequest, NodeView>
{
    public override void Configure()
    {
        Get("/nodes/{id}");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Read one node";
            s.Description = "The node as registered, with its status: ok (subscribed), unavailable (failing health probes, " +
                "unsubscribed, still probed) or dirty (nothing listened on its port; everything stopped until it is activated).";
            s.Answers(StatusCodes.Status200OK, "the node", new NodeView("0f8fad5b-d9cb-469f-a165-70867728950e", "127.0.0.1", 8080, "/health", "ok", [new("shop.events.*", null, "/events", 600)], [new("shop.price", "shop", "/price", 30)], "callback", 16), Refusal.UnknownNode);
        });
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct) =>
        await Send.OkAsync(NodeView.From(await nodes.GetAsync(request.Id)), ct);
}
