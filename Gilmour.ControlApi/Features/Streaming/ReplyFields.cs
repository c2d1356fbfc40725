using System.Text.Json;
using FluentValidation;
using Gilmour.ControlApi.Messaging;

namespace Gilmour.ControlApi.Features.Streaming;

/// <summary>What a node's reply carries, alone (POST /nodes/{id}/replies/{delivery}) or in a batch.</summary>
public interface IReplyFields
{
    /// <summary>The reply's Gilmour code; default 200.</summary>
    int? Code { get; }

    /// <summary>The reply's data, any JSON; absent means null.</summary>
    JsonElement? Data { get; }
}

/// <summary>The rules for one reply's fields, whichever route carries it.</summary>
public sealed class ReplyFieldsValidator<T> : AbstractValidator<T> where T : IReplyFields
{
    /// <summary>A reply's code is an HTTP-like final status, as a callback node's answer is.</summary>
    public const int MinCode = 200;
    public const int MaxCode = 599;

    public ReplyFieldsValidator()
    {
        RuleFor(x => x.Code).InclusiveBetween(MinCode, MaxCode).When(x => x.Code is not null)
            .WithMessage($"must be between {MinCode} and {MaxCode}");
        RuleFor(x => x.Data).Must(d => JsonText.EscapesWholeCharacters(d!.Value)).When(x => x.Data is not null)
            .WithMessage(JsonText.HalfCharacterProblem);
    }
}
