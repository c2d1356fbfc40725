using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Services.Remove;

/// <summary>
/// DELETE /nodes/{id}/services?topic=T&amp;path=P: answered once the subscriptions are gone from Redis; deliveries
/// already running finish. 404 when nothing matched.
/// </summary>
public sealed class RemoveServicesEndpoint(ConfirmedRegistry nodes) : Endpoint<RemoveSubscriptionsRequest, StatusAnswer>
{
    public override void Configure()
    {
        Delete("/nodes/{id}/services");
        RequestBinder(new RequestBinder<RemoveSubscriptionsRequest>(BindingSource.RouteValues | BindingSource.QueryParams));
        Summary(s => s.DescribeRemove(SubscriptionKind.Service));
    }

    public override async Task HandleAsync(RemoveSubscriptionsRequest request, CancellationToken ct)
    {
        await nodes.ChangeAsync(request.Id, node => SubscriptionKind.Service.Removing(node, request.Topic!, request.Path), ct);
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
