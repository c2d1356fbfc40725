using FastEndpoints;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Messaging;
using Gilmour.ControlApi.Registration;
using Gilmour.Protocol;
using Gilmour.Streaming;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Features.Streaming.Replies;

/// <summary>
/// POST /nodes/{id}/replies: several replies of a node, on any replica, settled in one Redis step. The batch is
/// checked whole first (any bad reply: 400, nothing taken); then each reply is taken or refused on its own, exactly as
/// POST /nodes/{id}/replies/{delivery} would take or refuse it, and the answer lists each one's fate in order.
/// </summary>
public sealed class StreamRepliesEndpoint(StreamDeliveries deliveries, IOptions<ControlApiOptions> options)
    : Endpoint<StreamRepliesRequest, StreamRepliesAnswer>
{
    private readonly long _maxBodyBytes = options.Value.MaxBodyBytes;

    public override void Configure()
    {
        Post("/nodes/{id}/replies");
        RequestBinder(new RequestBinder<StreamRepliesRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Reply to several requests a node's stream carried";
            s.Description = $"Body {{\"replies\": [{{\"id\": delivery id, \"code\": int (200-599, default 200), \"data\": any JSON}}]}}, " +
                $"1 to {StreamRepliesValidator.MaxReplies} replies. Each is taken or refused as by POST /nodes/{{id}}/replies/{{delivery}}; " +
                "the answer gives each one's status (200, 404 or 410) in order.";
            s.Answers(StatusCodes.Status200OK, "each reply's fate, in order",
                new StreamRepliesAnswer([
                    new StreamReplyResult("3f2a9c0d5e6b4a7f8c9d0e1f2a3b4c5d", StatusCodes.Status200OK),
                    new StreamReplyResult("9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d", StatusCodes.Status410Gone,
                        "delivery 9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d timed out before node 0f8fad5b-d9cb-469f-a165-70867728950e answered: its requester got 499"),
                ]),
                Refusal.BadInput("replies[0].code must be between 200 and 599"),
                Refusal.TooLarge,
                Refusal.NotJson);
        });
    }

    public override async Task HandleAsync(StreamRepliesRequest request, CancellationToken ct)
    {
        var id = NodeIds.EnsureWellFormed(request.Id);
        var replies = request.Replies!;
        var results = new StreamReplyResult[replies.Count];
        var asked = new List<int>(replies.Count);
        var deliveryIds = new List<string>(replies.Count);
        var envelopes = new List<byte[]>(replies.Count);
        for (var i = 0; i < replies.Count; i++)
        {
            var reply = replies[i]!;
            if (ReplyRefusal.ForMalformed(id, reply.Id) is { } malformed)
            {
                results[i] = Refused(reply.Id!, malformed);
                continue;
            }
            asked.Add(i);
            deliveryIds.Add(reply.Id!);
            envelopes.Add(ReplyEnvelope.Encode(reply.Id!, reply.Code ?? Codes.Ok, Payloads.OrNull(reply.Data)));
        }

        if (asked.Count > 0)
        {
            var outcomes = await deliveries.AnswerAllAsync(id, deliveryIds, envelopes);
            for (var k = 0; k < asked.Count; k++)
            {
                results[asked[k]] = ReplyRefusal.For(outcomes[k], id, deliveryIds[k]) is { } refusal
                    ? Refused(deliveryIds[k], refusal)
                    : new StreamReplyResult(deliveryIds[k], StatusCodes.Status200OK);
            }
        }
        await Send.OkAsync(new StreamRepliesAnswer(results), ct);
    }

    private StreamReplyResult Refused(string deliveryId, Exception refusal)
    {
        var (status, message) = ErrorMapping.Map(refusal, _maxBodyBytes)!.Value;
        return new StreamReplyResult(deliveryId, status, message);
    }
}
