using FastEndpoints;
using FluentValidation;
using Gilmour.ControlApi.Messaging;

namespace Gilmour.ControlApi.Features.Publishing.Signal;

public sealed class PublishSignalValidator : Validator<PublishSignalBody>
{
    public PublishSignalValidator()
    {
        RuleFor(x => x.Topic).Must(topic => PublishTopic.Problem(topic) is null)
            .WithMessage((_, topic) => PublishTopic.Problem(topic)!);
        RuleFor(x => x.Message).Must(m => JsonText.EscapesWholeCharacters(m!.Value)).When(x => x.Message is not null)
            .WithMessage(JsonText.HalfCharacterProblem);
    }
}
