using FastEndpoints;
using FluentValidation;

namespace Gilmour.ControlApi.Features.Streaming.Reply;

public sealed class StreamReplyValidator : Validator<StreamReplyRequest>
{
    public StreamReplyValidator()
    {
        RuleFor(x => x).Custom((request, context) =>
        {
            if (!request.IsObject) context.AddFailure("", "the body must be a JSON object: {\"code\": int, \"data\": any}");
        });
        Include(new ReplyFieldsValidator<StreamReplyRequest>());
    }
}
