using FastEndpoints;
using FluentValidation;
using Gilmour.ControlApi.Messaging;

namespace Gilmour.ControlApi.Features.Streaming.Reply;

public sealed class StreamReplyValidator : Validator<StreamReplyRequest>
{
    /// <summary>A reply's code is an HTTP-like final status, as a callback node's answer is.</summary>
    public const int MinCode = 200;
    public const int MaxCode = 599;

    public StreamReplyValidator()
    {
        RuleFor(x => x).Custom((request, context) =>
        {
            if (!request.IsObject) context.AddFailure("", "the body must be a JSON object: {\"code\": int, \"data\": any}");
        });
        RuleFor(x => x.Code).InclusiveBetween(MinCode, MaxCode).When(x => x.Code is not null)
            .WithMessage($"must be between {MinCode} and {MaxCode}");
        RuleFor(x => x.Data).Must(d => JsonText.EscapesWholeCharacters(d!.Value)).When(x => x.Data is not null)
            .WithMessage(JsonText.HalfCharacterProblem);
    }
}
