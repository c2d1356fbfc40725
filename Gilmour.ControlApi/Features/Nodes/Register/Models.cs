using System.ComponentModel.DataAnnotations;
using Gilmour.ControlApi.Contracts;

namespace Gilmour.ControlApi.Features.Nodes.Register;

/// <summary>
/// POST /nodes: <c>{transport?, port, health_check?, slots?[], services?[], max_concurrency?, host?}</c>; a node with
/// transport stream or none has no port, host or health_check, and one with transport none no slots or services.
/// </summary>
public sealed class RegisterNodeRequest
{
    /// <summary>callback (default): the proxy calls the node; stream: the node dials out; none: a sender.</summary>
    public string? Transport { get; init; }
    public int? Port { get; init; }
    public string? HealthCheck { get; init; }
    public List<SubscriptionInput?>? Slots { get; init; }
    public List<SubscriptionInput?>? Services { get; init; }
    public int? MaxConcurrency { get; init; }

    /// <summary>Callback host; honoured only when the operator allow-listed it (AllowedNodeHosts).</summary>
    public string? Host { get; init; }
}

/// <summary>One slot or service of a registration: <c>{topic, group?, path, timeout?}</c>.</summary>
/// <remarks>
/// [Required] only documents: the OpenAPI generator does not see the list items' validator, and the validator (not
/// data annotations) is what answers 400.
/// </remarks>
public sealed class SubscriptionInput : ISubscriptionFields
{
    [Required]
    public string? Topic { get; init; }
    public string? Group { get; init; }
    [Required]
    public string? Path { get; init; }
    public int? Timeout { get; init; }
}

/// <summary>
/// <c>{id, status, token}</c>: the id the node uses for every later call, and its credential for them
/// (<c>Authorization: Bearer &lt;token&gt;</c>), shown only here.
/// </summary>
public sealed record RegisterNodeResponse(string Id, string Status, string Token);
