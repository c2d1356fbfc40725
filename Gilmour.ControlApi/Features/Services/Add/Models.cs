using Gilmour.ControlApi.Nodes;

namespace Gilmour.ControlApi.Features.Services.Add;

public sealed class AddServiceRequest : AddSubscriptionRequest;
