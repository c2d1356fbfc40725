using FastEndpoints;
using FluentValidation;
using FluentValidation.Results;
using Gilmour.ControlApi.Contracts;
using Gilmour.ControlApi.Registration;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Nodes.Register;

public sealed class RegisterNodeValidator : Validator<RegisterNodeRequest>
{
    public RegisterNodeValidator()
    {
        RuleLevelCascadeMode = CascadeMode.Stop;
        RuleFor(x => x.Transport).Must(t => NodeTransports.Parse(t) is not null).WithMessage($"must be {NodeTransports.Choices}");
        RuleFor(x => x.Port).NotNull().WithMessage(NodeRules.Missing)
            .InclusiveBetween(NodeRules.MinPort, NodeRules.MaxPort).WithMessage($"must be between {NodeRules.MinPort} and {NodeRules.MaxPort}")
            .When(x => NodeTransports.Parse(x.Transport) == NodeTransport.Callback);
        When(x => NodeTransports.Parse(x.Transport) is NodeTransport.Stream or NodeTransport.None, () =>
        {
            RuleFor(x => x.Port).Null().WithMessage(NeverCalled);
            RuleFor(x => x.Host).Null().WithMessage(NeverCalled);
            RuleFor(x => x.HealthCheck).Null().WithMessage(NeverCalled);
        });
        When(x => NodeTransports.Parse(x.Transport) == NodeTransport.None, () =>
        {
            RuleFor(x => x.Slots).Null().WithMessage(ServesNothing);
            RuleFor(x => x.Services).Null().WithMessage(ServesNothing);
        });
        RuleFor(x => x.HealthCheck).Obeys(NodeRules.PathProblem).When(x => x.HealthCheck is not null);
        RuleFor(x => x.MaxConcurrency).GreaterThan(0).When(x => x.MaxConcurrency is not null).WithMessage("must be positive");
        RuleFor(x => x.Host).Must(host => CallbackHost.IsWellFormed(host!)).When(x => x.Host is not null)
            .WithMessage("is not a host name or IP address");

        // Must, not NotNull: FastEndpoints.Swagger reads a NotNull rule as "the list is required", and it is optional.
        RuleForEach(x => x.Slots).Must(slot => slot is not null).WithMessage("may not be null")
            .SetValidator(new SubscriptionFieldsValidator<SubscriptionInput>(SubscriptionKind.Slot)!);
        RuleForEach(x => x.Services).Must(service => service is not null).WithMessage("may not be null")
            .SetValidator(new SubscriptionFieldsValidator<SubscriptionInput>(SubscriptionKind.Service)!);
        RuleFor(x => x).Custom((request, context) =>
        {
            foreach (var (kind, list) in new[] { (SubscriptionKind.Slot, request.Slots), (SubscriptionKind.Service, request.Services) })
            {
                var inputs = list ?? [];
                for (var i = 0; i < inputs.Count; i++)
                    for (var j = 0; j < i; j++)
                        if (inputs[i] is { } later && inputs[j] is { } earlier
                            && NodeRules.Clash(kind, earlier.ToSubscription(), later.ToSubscription()) is { } clash)
                            context.AddFailure(new ValidationFailure($"{kind.Noun()}s[{i}]", $"repeats {kind.Noun()}s[{j}]: {clash}"));
            }
        });
    }

    private static string NeverCalled(RegisterNodeRequest request) =>
        $"must be absent for a node with transport {request.Transport}: the proxy never calls it";

    private static string ServesNothing(RegisterNodeRequest request) =>
        "must be absent for a node with transport none: a sender serves nothing";
}
