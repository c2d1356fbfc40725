namespace Gilmour.ControlApi.Features.Nodes.Activate;

/// <summary><c>{id, status}</c> after re-activation.</summary>
public sealed record ActivateNodeResponse(string Id, string Status);
