using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Slots.Add;

/// <summary>POST /nodes/{id}/slots: answered once the new subscription is live (409 when the node holds it).</summary>
public sealed class AddSlotEndpoint(ConfirmedRegistry nodes) : Endpoint<AddSlotRequest, StatusAnswer>
{
    public override void Configure()
    {
        Post("/nodes/{id}/slots");
        RequestBinder(new RequestBinder<AddSlotRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s => s.DescribeAdd(SubscriptionKind.Slot));
    }

    public override async Task HandleAsync(AddSlotRequest request, CancellationToken ct)
    {
        var added = request.ToSubscription();
        await nodes.ChangeAsync(request.Id, node => SubscriptionKind.Slot.Adding(node, added), ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
