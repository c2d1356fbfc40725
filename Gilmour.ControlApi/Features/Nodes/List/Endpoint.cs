using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;

namespace Gilmour.ControlApi.Features.Nodes.List;

/// <summary>GET /nodes: every registered node, whatever its status.</summary>
public sealed class ListNodesEndpoint(ConfirmedRegistry nodes) : EndpointWithoutRequest<ListNodesResponse>
{
    public override void Configure()
    {
        Get("/nodes");
        Summary(s =>
        {
            s.Summary = "List every registered node";
            s.Description = "Every node, whatever its status (ok, unavailable, dirty), oldest registration first.";
            s.Answers(StatusCodes.Status200OK, "the nodes", new ListNodesResponse([new NodeView("0f8fad5b-d9cb-469f-a165-70867728950e", "127.0.0.1", 8080, "/health", "ok", [new("shop.events.*", null, "/events", 600)], [new("shop.price", "shop", "/price", 30)], "callback", 16)]));
        });
    }

    public override async Task HandleAsync(CancellationToken ct)
    {
        var all = await nodes.ListAsync();
        await Send.OkAsync(new ListNodesResponse([.. all.OrderBy(n => n.RegisteredAt).Select(NodeView.From)]), ct);
    }
}
