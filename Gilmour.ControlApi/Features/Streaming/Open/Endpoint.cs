using Gilmour.ControlApi.Documentation;
using FastEndpoints;
using Gilmour.ControlApi.Connections;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Lifecycle;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Streaming.Open;

/// <summary>
/// GET /nodes/{id}/stream: a node that dials out receives its deliveries here as Server-Sent Events. Answered 200
/// once a dispatcher made its subscriptions live (the first event is <c>ready</c>), then open until the node goes, a
/// newer stream of it replaces this one, it is deleted, reads too slowly, or this replica stops (<c>close</c> says
/// which). 409 for a node that does not dial out.
/// </summary>
public sealed class OpenStreamEndpoint(ConfirmedRegistry nodes, OpenStreams streams, ShutdownDrain drain) : Endpoint<NodeIdRequest>
{
    public override void Configure()
    {
        Get("/nodes/{id}/stream");
        RequestBinder(new RequestBinder<NodeIdRequest>(BindingSource.RouteValues));
        Description(builder => builder.Produces(StatusCodes.Status200OK, contentType: "text/event-stream"));
        Summary(s =>
        {
            s.Summary = "Open a node's stream (Server-Sent Events)";
            s.Description = "For a node registered with transport stream: events ready (subscriptions live), request (answer it " +
                "with POST /nodes/{id}/replies/{delivery}), signal, close (with a reason) and keepalive comments. A newer stream " +
                "of the same node replaces this one; losing it makes the node unavailable.";
            s.Refusals(
                Refusal.UnknownNode,
                new Refusal(StatusCodes.Status409Conflict, "the node does not dial out (transport callback or none)",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e has transport callback: only a stream node opens a stream"),
                new Refusal(StatusCodes.Status503ServiceUnavailable, "this replica is shutting down, or Redis is out of reach; retry",
                    "this control API is shutting down: open the stream again"));
        });
    }

    public override async Task HandleAsync(NodeIdRequest request, CancellationToken ct)
    {
        // A load balancer still sending here while this replica drains: the node retries and lands on another.
        if (drain.IsDraining) throw new ShuttingDownException();
        var node = await nodes.GetAsync(request.Id);
        if (node.Transport != NodeTransport.Stream) throw new StreamNotAllowedException(node.Id, node.Transport.ToWire());

        var stream = await streams.OpenAsync(node, HttpContext.RequestAborted);
        try
        {
            await stream.RunAsync(HttpContext);
        }
        finally
        {
            await streams.CloseAsync(stream);
        }
    }
}
