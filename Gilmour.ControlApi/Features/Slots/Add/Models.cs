using Gilmour.ControlApi.Nodes;

namespace Gilmour.ControlApi.Features.Slots.Add;

public sealed class AddSlotRequest : AddSubscriptionRequest;
