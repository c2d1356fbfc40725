using FluentValidation;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Contracts;

/// <summary>The fields of a slot or service as a client sends them (POST /nodes items, POST slots/services).</summary>
public interface ISubscriptionFields
{
    string? Topic { get; }
    string? Group { get; }
    string? Path { get; }
    int? Timeout { get; }
}

public static class SubscriptionFields
{
    /// <summary>The stored form: an empty slot group means no group; timeout defaults to Gilmour's 600 s.</summary>
    public static Subscription ToSubscription(this ISubscriptionFields fields) => new(
        fields.Topic!,
        string.IsNullOrEmpty(fields.Group) ? null : fields.Group,
        fields.Path!,
        fields.Timeout ?? Subscription.DefaultTimeoutSeconds);
}

/// <summary>The field rules of <see cref="NodeRules"/> for one slot or service as a client sends it.</summary>
public sealed class SubscriptionFieldsValidator<T> : AbstractValidator<T> where T : ISubscriptionFields
{
    public SubscriptionFieldsValidator(SubscriptionKind kind)
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        // NotEmpty first for the OpenAPI document (it marks the field required); the rule itself is NodeRules'.
        RuleFor(x => x.Topic).NotEmpty().WithMessage(NodeRules.Missing).Obeys(topic => NodeRules.TopicProblem(topic, kind));
        RuleFor(x => x.Group).Obeys(group => NodeRules.GroupProblem(group, kind));
        RuleFor(x => x.Path).NotEmpty().WithMessage(NodeRules.Missing).Obeys(NodeRules.PathProblem);
        RuleFor(x => x.Timeout).Obeys(NodeRules.TimeoutProblem);
    }
}
