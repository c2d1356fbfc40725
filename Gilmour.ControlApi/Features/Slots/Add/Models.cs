using Gilmour.ControlApi.Contracts;

namespace Gilmour.ControlApi.Features.Slots.Add;

public sealed class AddSlotRequest : AddSubscriptionRequest;
