using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Services.Add;

/// <summary>POST /nodes/{id}/services: answered once the new subscription is live (409 when the node holds it).</summary>
public sealed class AddServiceEndpoint(ConfirmedRegistry nodes) : Endpoint<AddServiceRequest, StatusAnswer>
{
    public override void Configure()
    {
        Post("/nodes/{id}/services");
        RequestBinder(new RequestBinder<AddServiceRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s => s.DescribeAdd(SubscriptionKind.Service));
    }

    public override async Task HandleAsync(AddServiceRequest request, CancellationToken ct)
    {
        var added = request.ToSubscription();
        await nodes.ChangeAsync(request.Id, node => SubscriptionKind.Service.Adding(node, added), ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
