using FluentValidation;

namespace Gilmour.ControlApi.Contracts;

/// <summary>A field rule of <see cref="Registry.NodeRules"/> as a validator rule: its problem becomes the message.</summary>
public static class NodeRuleValidation
{
    public static IRuleBuilderOptions<T, TProperty> Obeys<T, TProperty>(this IRuleBuilder<T, TProperty> rule,
        Func<TProperty, string?> problem) =>
        rule.Must(value => problem(value) is null).WithMessage((_, value) => problem(value)!);
}
