using FastEndpoints;
using Gilmour.ControlApi.Nodes;
using Gilmour.ControlApi.Security;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Nodes.Register;

/// <summary>
/// POST /nodes: health pre-check of the node, then store it, then answer once a dispatcher made its
/// subscriptions live (a request sent the instant this returns reaches the node). The answer carries the node's
/// token, the only time it is shown: the registry keeps its hash.
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
        var (token, tokenHash) = NodeToken.Issue();
        var registeredAt = DateTimeOffset.UtcNow;
        var node = new Node(
            Id: id,
            Host: callbackHost.Resolve(HttpContext, request.Host),
            Port: request.Port!.Value,
            HealthCheck: request.HealthCheck ?? Node.DefaultHealthCheck,
            Status: NodeStatus.Ok,
            Slots: [.. (request.Slots ?? []).Select(s => s!.ToSubscription())],
            Services: [.. (request.Services ?? []).Select(s => s!.ToSubscription())],
            Ident: NodeIds.Ident(id),
            Revision: 1,
            RegisteredAt: registeredAt,
            MaxConcurrency: request.MaxConcurrency,
            TokenHash: tokenHash,
            StatusSince: registeredAt);

        await healthCheck.CheckAsync(node.Address(node.HealthCheck), ct);
        await nodes.AddAsync(node, ct);
        await Send.ResponseAsync(new RegisterNodeResponse(id, node.Status.ToWire(), token), StatusCodes.Status201Created, ct);
    }
}
