using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Services.List;

/// <summary>GET /nodes/{id}/services.</summary>
public sealed class ListServicesEndpoint(ConfirmedRegistry nodes) : Endpoint<NodeIdRequest, ListServicesResponse>
{
    public override void Configure()
    {
        Get("/nodes/{id}/services");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Summary(s => s.DescribeList(SubscriptionKind.Service, views => new ListServicesResponse(views)));
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        var node = await nodes.GetAsync(request.Id);
        await Send.OkAsync(new ListServicesResponse(SubscriptionView.From(node.Services)), ct);
    }
}
