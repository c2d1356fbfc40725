using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Slots.List;

/// <summary>GET /nodes/{id}/slots.</summary>
public sealed class ListSlotsEndpoint(ConfirmedRegistry nodes) : Endpoint<NodeIdRequest, ListSlotsResponse>
{
    public override void Configure()
    {
        Get("/nodes/{id}/slots");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Summary(s => s.DescribeList(SubscriptionKind.Slot, views => new ListSlotsResponse(views)));
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        var node = await nodes.GetAsync(request.Id);
        await Send.OkAsync(new ListSlotsResponse(SubscriptionView.From(node.Slots)), ct);
    }
}
