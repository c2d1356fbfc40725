using FastEndpoints;
using FluentValidation;

namespace Gilmour.ControlApi.Features.Streaming.Replies;

public sealed class StreamRepliesValidator : Validator<StreamRepliesRequest>
{
    /// <summary>Bounds one Redis script's work (and the answer's size) whatever the body limit allows.</summary>
    public const int MaxReplies = 1000;

    public StreamRepliesValidator()
    {
        RuleFor(x => x).Custom((request, context) =>
        {
            if (!request.IsObject) context.AddFailure("", "the body must be a JSON object: {\"replies\": [{\"id\": ..., \"code\": int, \"data\": any}]}");
        });
        RuleFor(x => x.Replies).Must(replies => replies is { Count: > 0 }).When(x => x.IsObject)
            .WithMessage("must be a list of at least one reply");
        RuleFor(x => x.Replies).Must(replies => replies!.Count <= MaxReplies).When(x => x.Replies is not null)
            .WithMessage($"may hold at most {MaxReplies} replies; send the rest in another batch");
        RuleForEach(x => x.Replies).Must(reply => reply is not null).WithMessage("must be an object: {\"id\": ..., \"code\": int, \"data\": any}")
            .ChildRules(reply => reply.RuleFor(x => x!.Id).NotNull().WithMessage("is required: the id of the request event it answers"))
            .SetValidator(new ReplyFieldsValidator<StreamReplyItem>()!);
    }
}
