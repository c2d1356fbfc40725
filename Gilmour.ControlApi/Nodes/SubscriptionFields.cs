using FluentValidation;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Nodes;

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
    public const int MaxTopicLength = 1024;
    public const int MaxPathLength = 2048;

    /// <summary>The stored form: an empty slot group means no group; timeout defaults to Gilmour's 600 s.</summary>
    public static Subscription ToSubscription(this ISubscriptionFields fields) => new(
        fields.Topic!,
        string.IsNullOrEmpty(fields.Group) ? null : fields.Group,
        fields.Path!,
        fields.Timeout ?? Subscription.DefaultTimeoutSeconds);
}

/// <summary>The rules for one slot or service as a client sends it; the node-level rules are <see cref="NodeRules"/>'s.</summary>
public sealed class SubscriptionFieldsValidator<T> : AbstractValidator<T> where T : ISubscriptionFields
{
    public SubscriptionFieldsValidator(SubscriptionKind kind)
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(x => x.Topic)
            .NotEmpty().WithMessage("is required")
            .MaximumLength(SubscriptionFields.MaxTopicLength).WithMessage($"may not be longer than {SubscriptionFields.MaxTopicLength} characters")
            .Must(topic => topic is null || !topic.Any(char.IsControl)).WithMessage("may not contain control characters");
        if (kind == SubscriptionKind.Service)
        {
            RuleFor(x => x.Topic).Must(topic => string.IsNullOrEmpty(topic) || !topic.Contains('*'))
                .WithMessage("may not be a wildcard for a service (only slots may use '*')");
            RuleFor(x => x.Group).NotEmpty().WithMessage("is required for a service (its exclusion group)");
        }
        RuleFor(x => x.Group)
            .Must(group => group is null || group.Length == 0 || !string.IsNullOrWhiteSpace(group)).WithMessage("may not be blank")
            .Must(group => group is null || !group.Any(char.IsControl)).WithMessage("may not contain control characters")
            .MaximumLength(SubscriptionFields.MaxTopicLength).WithMessage($"may not be longer than {SubscriptionFields.MaxTopicLength} characters");
        RuleFor(x => x.Path).NotEmpty().WithMessage("is required").DependentRules(() =>
            RuleFor(x => x.Path).Must(path => PathRules.Problem(path) is null)
                .WithMessage((_, path) => PathRules.Problem(path)!));
        RuleFor(x => x.Timeout).GreaterThan(0).When(x => x.Timeout is not null)
            .WithMessage("must be a positive number of seconds");
    }
}

/// <summary>An HTTP path on the node: appended to http://host:port, so it must start with '/'.</summary>
public static class PathRules
{
    public static string? Problem(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "is required";
        if (path.Length > SubscriptionFields.MaxPathLength) return $"may not be longer than {SubscriptionFields.MaxPathLength} characters";
        if (path[0] != '/') return "must start with '/'";
        if (path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) return "may not contain spaces or control characters";
        if (path.Contains('#')) return "may not contain '#'";
        if (!Uri.TryCreate("http://node" + path, UriKind.Absolute, out var uri) || uri.Host != "node")
            return "is not a valid URL path";
        return null;
    }
}
