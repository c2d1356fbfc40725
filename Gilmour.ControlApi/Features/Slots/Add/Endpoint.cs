using FastEndpoints;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Nodes;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Slots.Add;

/// <summary>POST /nodes/{id}/slots: answered once the new subscription is live (409 when the node holds it).</summary>
public sealed class AddSlotEndpoint(RegisteredNodes nodes) : Endpoint<AddSlotRequest, StatusAnswer>
{
    public override void Configure()
    {
        Post("/nodes/{id}/slots");
        RequestBinder(new RequestBinder<AddSlotRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Add a slot to a node";
            s.Description = "A slot takes signals: its topic may be a wildcard ('*'), its exclusion group is optional. " +
                "Answered once the new subscription is live.";
            s.ExampleRequest = new { Topic = "shop.events.*", Group = "auditors", Path = "/events", Timeout = 30 };
            s.Answers(StatusCodes.Status200OK, "the slot is live", StatusAnswer.Ok,
                Refusal.BadInput("path must start with '/'"),
                Refusal.UnknownNode,
                new Refusal(StatusCodes.Status409Conflict, "the node holds a slot with the same topic, group and path",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e already holds slot 'shop.events.*' (group 'auditors', path '/events'): it has the same topic, group and path"),
                Refusal.TooLarge,
                Refusal.NotJson);
        });
    }

    public override async Task HandleAsync(AddSlotRequest request, CancellationToken ct)
    {
        var added = request.ToSubscription();
        await nodes.ChangeAsync(request.Id, node => SubscriptionKind.Slot.Adding(node, added), ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
