using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Features.Slots.Add;

public sealed class AddSlotValidator : Validator<AddSlotRequest>
{
    public AddSlotValidator() => Include(new SubscriptionFieldsValidator<AddSlotRequest>(SubscriptionKind.Slot));
}
