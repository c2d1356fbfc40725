using Gilmour.ControlApi.Documentation;
using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Messaging;
using Gilmour.ControlApi.Registration;
using Gilmour.Protocol;
using Gilmour.Streaming;

namespace Gilmour.ControlApi.Features.Streaming.Reply;

/// <summary>
/// POST /nodes/{id}/replies/{delivery}: the node's reply to a request its stream carried, on any replica. 200 once
/// handed to the dispatcher waiting for it; 404 for a delivery this node never got or already answered; 410 when the
/// request ended first (timed out: the requester got 499; or the node's stream closed: it got 502).
/// </summary>
public sealed class StreamReplyEndpoint(StreamDeliveries deliveries) : Endpoint<StreamReplyRequest, StatusAnswer>
{
    public override void Configure()
    {
        Post("/nodes/{id}/replies/{delivery}");
        RequestBinder(new RequestBinder<StreamReplyRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Reply to a request a node's stream carried";
            s.Description = "Body {\"code\": int (200-599, default 200), \"data\": any JSON}; the requester gets it as the Gilmour reply.";
            s.Answers(StatusCodes.Status200OK, "handed to the waiting dispatcher", StatusAnswer.Ok,
                Refusal.BadInput("code must be between 200 and 599"),
                new Refusal(StatusCodes.Status404NotFound, "this node never got this delivery, or already answered it",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e awaits no reply to delivery 3f2a9c"),
                new Refusal(StatusCodes.Status410Gone, "the request ended first: it timed out (the requester got 499) or the stream closed",
                    "delivery 3f2a9c ended before this reply: the requester was answered 499"),
                Refusal.TooLarge,
                Refusal.NotJson);
        });
    }

    public override async Task HandleAsync(StreamReplyRequest request, CancellationToken ct)
    {
        var id = NodeIds.EnsureWellFormed(request.Id);
        if (ReplyRefusal.ForMalformed(id, request.Delivery) is { } malformed) throw malformed;

        var envelope = ReplyEnvelope.Encode(request.Delivery, request.Code ?? Codes.Ok, Payloads.OrNull(request.Data));
        if (ReplyRefusal.For(await deliveries.AnswerAsync(request.Delivery, id, envelope), id, request.Delivery) is { } refusal)
            throw refusal;
        await Send.OkAsync(StatusAnswer.Ok, ct);
    }
}
