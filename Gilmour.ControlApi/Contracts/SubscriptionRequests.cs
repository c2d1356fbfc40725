using FastEndpoints;
using FluentValidation;

namespace Gilmour.ControlApi.Contracts;

/// <summary>POST /nodes/{id}/slots or /services: the node id from the route, <c>{topic, group?, path, timeout?}</c> from the body.</summary>
public abstract class AddSubscriptionRequest : ISubscriptionFields
{
    public string Id { get; init; } = "";
    public string? Topic { get; init; }
    public string? Group { get; init; }
    public string? Path { get; init; }
    public int? Timeout { get; init; }
}

/// <summary>DELETE /nodes/{id}/slots or /services <c>?topic=T&amp;path=P</c>; without path every subscription of the topic goes.</summary>
public sealed class RemoveSubscriptionsRequest
{
    public string Id { get; init; } = "";

    [QueryParam]
    public string? Topic { get; init; }

    [QueryParam]
    public string? Path { get; init; }
}

public sealed class RemoveSubscriptionsValidator : Validator<RemoveSubscriptionsRequest>
{
    public RemoveSubscriptionsValidator()
    {
        RuleFor(x => x.Topic).NotEmpty().WithMessage("query parameter is required (?topic=T, optionally &path=P)");
        RuleFor(x => x.Path).NotEmpty().When(x => x.Path is not null).WithMessage("query parameter, when given, may not be empty");
    }
}
