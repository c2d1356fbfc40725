using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Registration;
using Gilmour.ControlApi.Security;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Nodes.Register;

/// <summary>
/// POST /nodes: health pre-check of a callback node, then store it, then answer once a dispatcher made its
/// subscriptions live (a request sent the instant this returns reaches the node). A stream node is stored
/// unavailable (it is ok once it opens its stream), a sender (transport none) ok with nothing to subscribe. The answer
/// carries the node's token, the only time it is shown: the registry keeps its hash.
/// </summary>
public sealed class RegisterNodeEndpoint(ConfirmedRegistry nodes, CallbackHost callbackHost, NodeHealthCheck healthCheck)
    : Endpoint<RegisterNodeRequest, RegisterNodeResponse>
{
    public override void Configure()
    {
        Post("/nodes");
        RequestBinder(new RequestBinder<RegisterNodeRequest>(BindingSource.JsonBody));
        Summary(s =>
        {
            s.Summary = "Register a node";
            s.Description = "Health pre-check of http://<host>:<port><health_check> first, then the node is stored and answered once a " +
                "dispatcher has made its subscriptions live: a request sent the instant this answers reaches the node. The callback " +
                "host is the address the registration came from, unless `host` names an allow-listed one.";
            s.ExampleRequest = new
            {
                Port = 8080,
                HealthCheck = "/health",
                Services = new[] { new { Topic = "shop.price", Group = "shop", Path = "/price", Timeout = 30 } },
                Slots = new[] { new { Topic = "shop.events.*", Path = "/events" } },
                MaxConcurrency = 16,
            };
            s.Answers(StatusCodes.Status201Created, "registered: the id the node uses in every later call, and its token (shown only here)",
                new RegisterNodeResponse("0f8fad5b-d9cb-469f-a165-70867728950e", "ok", "q3Jv0sYk9m8tWZ4n1bXc7uHe2LdPaFgR5iTyKoMjNwA"),
                Refusal.BadInput("slots[0].path must start with '/'"),
                new Refusal(StatusCodes.Status403Forbidden, "`host` names a host the operator did not allow-list (Gilmour:ControlApi:AllowedNodeHosts)",
                    "host '169.254.169.254' is not in Gilmour:ControlApi:AllowedNodeHosts: the proxy calls a node back only at the address the registration came from, unless the operator allow-lists another host"),
                Refusal.TooLarge,
                Refusal.NotJson,
                new Refusal(StatusCodes.Status502BadGateway, "the health pre-check failed; nothing was stored",
                    "health check of http://127.0.0.1:8080/health failed: connection refused (nothing listens on the port)"),
                new Refusal(StatusCodes.Status503ServiceUnavailable,
                    "no dispatcher made the subscriptions live in time (the registration was rolled back), or Redis is out of reach",
                    "no dispatcher made the subscriptions live within 10 s; registration rolled back"));
        });
    }

    public override async Task HandleAsync(RegisterNodeRequest request, CancellationToken ct)
    {
        var id = NodeIds.New();
        var (token, tokenHash) = NodeToken.Issue();
        var registeredAt = DateTimeOffset.UtcNow;
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
            RegisteredAt: registeredAt,
            MaxConcurrency: request.MaxConcurrency,
            TokenHash: tokenHash,
            StatusSince: registeredAt,
            Transport: transport);

        if (callback) await healthCheck.CheckAsync(node.Address(node.HealthCheck), ct);
        await nodes.AddAsync(node, ct);
        await Send.ResponseAsync(new RegisterNodeResponse(id, node.Status.ToWire(), token), StatusCodes.Status201Created, ct);
    }
}
