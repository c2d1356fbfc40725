using Gilmour.ControlApi.Contracts;

namespace Gilmour.ControlApi.Features.Services.List;

/// <summary><c>{services:[{topic, group, path, timeout}]}</c>.</summary>
public sealed record ListServicesResponse(IReadOnlyList<SubscriptionView> Services);
