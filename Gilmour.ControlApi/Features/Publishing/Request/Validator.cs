using FastEndpoints;
using FluentValidation;
using Gilmour.ControlApi.Messaging;

namespace Gilmour.ControlApi.Features.Publishing.Request;

public sealed class PublishRequestValidator : Validator<PublishRequestBody>
{
    public PublishRequestValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(x => x).Custom((request, context) =>
        {
            // "composition": null reads as absent.
            if (request.Topic is not null == request.Composition is not null)
                context.AddFailure("", "give exactly one of topic and composition");
        });
        RuleFor(x => x.Topic).Must(topic => PublishTopic.Problem(topic) is null).When(x => x.Topic is not null)
            .WithMessage((_, topic) => PublishTopic.Problem(topic)!);
        RuleFor(x => x.Message).Must(m => JsonText.EscapesWholeCharacters(m!.Value)).When(x => x.Message is not null)
            .WithMessage(JsonText.HalfCharacterProblem);
        RuleFor(x => x.Composition).Must(c => JsonText.EscapesWholeCharacters(c!.Value)).When(x => x.Composition is not null)
            .WithMessage(JsonText.HalfCharacterProblem);
        RuleFor(x => x.Timeout).GreaterThan(0).When(x => x.Timeout is not null).WithMessage("must be a positive number of seconds");
    }
}
