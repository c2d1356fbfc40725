using FastEndpoints;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Nodes;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Services.Add;

/// <summary>POST /nodes/{id}/services: answered once the new subscription is live (409 when the node holds it).</summary>
public sealed class AddServiceEndpoint(RegisteredNodes nodes) : Endpoint<AddServiceRequest, StatusAnswer>
{
    public override void Configure()
    {
        Post("/nodes/{id}/services");
        RequestBinder(new RequestBinder<AddServiceRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Add a service to a node";
            s.Description = "A service answers requests: its topic is concrete and its exclusion group required. " +
                "Answered once the new subscription is live.";
            s.ExampleRequest = new { Topic = "shop.price", Group = "shop", Path = "/price", Timeout = 30 };
            s.Answers(StatusCodes.Status200OK, "the service is live", StatusAnswer.Ok,
                Refusal.BadInput("path must start with '/'"),
                Refusal.UnknownNode,
                new Refusal(StatusCodes.Status409Conflict, "the node holds a service with the same topic and exclusion group (whatever its path: two handlers of one group on one node could never both run)",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e already holds service 'shop.price' (group 'shop', path '/price'): it has the same topic, group and path"),
                Refusal.TooLarge,
                Refusal.NotJson);
        });
    }

    public override async Task HandleAsync(AddServiceRequest request, CancellationToken ct)
    {
        var added = request.ToSubscription();
        await nodes.ChangeAsync(request.Id, node => SubscriptionKind.Service.Adding(node, added), ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
