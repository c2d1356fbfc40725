using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Services.Add;

public sealed class AddServiceValidator : Validator<AddServiceRequest>
{
    public AddServiceValidator() => Include(new SubscriptionFieldsValidator<AddServiceRequest>(SubscriptionKind.Service));
}
