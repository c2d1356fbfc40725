using System.Text.Json.Serialization;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Contracts;

/// <summary>
/// A node as GET /nodes and GET /nodes/{id} show it. Host, port and health_check only for a callback node: the proxy
/// never calls the others.
/// </summary>
public sealed record NodeView(
    string Id,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Host,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Port,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? HealthCheck,
    string Status,
    IReadOnlyList<SubscriptionView> Slots,
    IReadOnlyList<SubscriptionView> Services,
    string Transport,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrency)
{
    public static NodeView From(Node node)
    {
        var callback = node.Transport == NodeTransport.Callback;
        return new(node.Id, callback ? node.Host : null, callback ? node.Port : null, callback ? node.HealthCheck : null,
            node.Status.ToWire(), SubscriptionView.From(node.Slots), SubscriptionView.From(node.Services), node.Transport.ToWire(),
            node.MaxConcurrency);
    }
}

/// <summary>A slot or service as shown: <c>{topic, group, path, timeout}</c> (group null when a slot has none).</summary>
public sealed record SubscriptionView(string Topic, string? Group, string Path, int Timeout)
{
    public static IReadOnlyList<SubscriptionView> From(IReadOnlyList<Subscription> subscriptions) =>
        [.. subscriptions.Select(s => new SubscriptionView(s.Topic, s.Group, s.Path, s.Timeout))];
}
