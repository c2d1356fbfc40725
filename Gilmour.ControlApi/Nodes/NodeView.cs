using System.Text.Json.Serialization;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Nodes;

/// <summary>A node as GET /nodes and GET /nodes/{id} show it.</summary>
public sealed record NodeView(
    string Id,
    string Host,
    int Port,
    string HealthCheck,
    string Status,
    IReadOnlyList<SubscriptionView> Slots,
    IReadOnlyList<SubscriptionView> Services,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MaxConcurrency)
{
    public static NodeView From(Node node) => new(
        node.Id, node.Host, node.Port, node.HealthCheck, node.Status.ToWire(),
        SubscriptionView.From(node.Slots), SubscriptionView.From(node.Services), node.MaxConcurrency);
}

/// <summary>A slot or service as shown: <c>{topic, group, path, timeout}</c> (group null when a slot has none).</summary>
public sealed record SubscriptionView(string Topic, string? Group, string Path, int Timeout)
{
    public static IReadOnlyList<SubscriptionView> From(IReadOnlyList<Subscription> subscriptions) =>
        [.. subscriptions.Select(s => new SubscriptionView(s.Topic, s.Group, s.Path, s.Timeout))];
}
