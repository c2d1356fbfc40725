using Gilmour.ControlApi.Contracts;

namespace Gilmour.ControlApi.Features.Services.Add;

public sealed class AddServiceRequest : AddSubscriptionRequest;
