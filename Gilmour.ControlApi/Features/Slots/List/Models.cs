using Gilmour.ControlApi.Contracts;

namespace Gilmour.ControlApi.Features.Slots.List;

/// <summary><c>{slots:[{topic, group, path, timeout}]}</c>.</summary>
public sealed record ListSlotsResponse(IReadOnlyList<SubscriptionView> Slots);
