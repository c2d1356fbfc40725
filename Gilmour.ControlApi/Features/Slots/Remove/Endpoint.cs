using FastEndpoints;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Nodes;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Slots.Remove;

/// <summary>
/// DELETE /nodes/{id}/slots?topic=T&amp;path=P: answered once the subscriptions are gone from Redis; deliveries
/// already running finish. 404 when nothing matched.
/// </summary>
public sealed class RemoveSlotsEndpoint(RegisteredNodes nodes) : Endpoint<RemoveSubscriptionsRequest, StatusAnswer>
{
    public override void Configure()
    {
        Delete("/nodes/{id}/slots");
        RequestBinder(new RequestBinder<RemoveSubscriptionsRequest>(BindingSource.RouteValues | BindingSource.QueryParams));
        Summary(s =>
        {
            s.Summary = "Remove a node's slots on a topic";
            s.Description = "?topic=T removes every slot of the node on T; ?topic=T&path=P only the one at P. Answered once the " +
                "subscriptions are gone from Redis; deliveries already running finish.";
            s.Answers(StatusCodes.Status200OK, "removed", StatusAnswer.Ok,
                Refusal.BadInput("topic query parameter is required (?topic=T, optionally &path=P)"),
                new Refusal(StatusCodes.Status404NotFound, "no node has this id, or it has no slot on this topic (at this path)",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e has no slot on topic 'shop.events.*'"));
        });
    }

    public override async Task HandleAsync(RemoveSubscriptionsRequest request, CancellationToken ct)
    {
        await nodes.ChangeAsync(request.Id, node => SubscriptionKind.Slot.Removing(node, request.Topic!, request.Path), ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
