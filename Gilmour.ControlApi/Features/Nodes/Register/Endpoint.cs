using FastEndpoints;
using Gilmour.ControlApi.Nodes;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Nodes.Register;

/// <summary>
/// POST /nodes: health pre-check of a callback node, then store it, then answer once a dispatcher made its
/// subscriptions live (a request sent the instant this returns reaches the node). A stream node is stored
/// unavailable (it is ok once it opens its stream), a sender (transport none) ok with nothing to subscribe.
/// </summary>
public sealed class RegisterNodeEndpoint(RegisteredNodes nodes, CallbackHost callbackHost, NodeHealthCheck healthCheck)
    : Endpoint<RegisterNodeRequest, RegisterNodeResponse>
{
    public override void Configure()
    {
        Post("/nodes");
        RequestBinder(new RequestBinder<RegisterNodeRequest>(BindingSource.JsonBody));
    }

    public override async Task HandleAsync(RegisterNodeRequest request, CancellationToken ct)
    {
        var id = NodeIds.New();
        var transport = NodeTransports.Parse(request.Transport)!.Value;
        var callback = transport == NodeTransport.Callback;
        var node = new Node(
            Id: id,
            Host: callback ? callbackHost.Resolve(HttpContext, request.Host) : "",
            Port: request.Port ?? 0,
            HealthCheck: callback ? request.HealthCheck ?? Node.DefaultHealthCheck : "",
            Status: transport.InitialStatus(),
            Slots: [.. (request.Slots ?? []).Select(s => s!.ToSubscription())],
            Services: [.. (request.Services ?? []).Select(s => s!.ToSubscription())],
            Ident: NodeIds.Ident(id),
            Revision: 1,
            RegisteredAt: DateTimeOffset.UtcNow,
            MaxConcurrency: request.MaxConcurrency,
            Transport: transport);

        if (callback) await healthCheck.CheckAsync(node.Address(node.HealthCheck), ct);
        await nodes.AddAsync(node, ct);
        await Send.ResponseAsync(new RegisterNodeResponse(id, node.Status.ToWire()), StatusCodes.Status201Created, ct);
    }
}
