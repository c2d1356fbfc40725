using FastEndpoints;
using Gilmour.ControlApi.Contracts;
using Gilmour.Registry;

namespace Gilmour.ControlApi.Documentation;

/// <summary>
/// The OpenAPI declarations that the slot and the service endpoints share, worded by <see cref="SubscriptionKind"/>:
/// one text for both kinds, so that they cannot drift apart.
/// </summary>
public static class SubscriptionDocs
{
    private const string ExampleNode = "0f8fad5b-d9cb-469f-a165-70867728950e";

    /// <summary>POST /nodes/{id}/slots or /services.</summary>
    public static void DescribeAdd(this EndpointSummary s, SubscriptionKind kind)
    {
        var (noun, example) = (kind.Noun(), Example(kind));
        s.Summary = $"Add a {noun} to a node";
        s.Description = (kind == SubscriptionKind.Slot
            ? "A slot takes signals: its topic may be a wildcard ('*'), its exclusion group is optional. "
            : "A service answers requests: its topic is concrete and its exclusion group required. ")
            + "Answered once the new subscription is live.";
        s.ExampleRequest = new { example.Topic, example.Group, example.Path, example.Timeout };
        s.Answers(StatusCodes.Status200OK, $"the {noun} is live", StatusAnswer.Ok,
            Refusal.BadInput("path must start with '/'"),
            Refusal.UnknownNode,
            new Refusal(StatusCodes.Status409Conflict, kind == SubscriptionKind.Slot
                    ? "the node holds a slot with the same topic, group and path"
                    : "the node holds a service with the same topic and exclusion group (whatever its path: two handlers of one group on one node could never both run)",
                $"node {ExampleNode} already holds {NodeRules.Describe(kind, example)}: {NodeRules.Clash(kind, example, example with { Path = "/other" }) ?? NodeRules.Clash(kind, example, example)}"),
            Refusal.TooLarge,
            Refusal.NotJson);
    }

    /// <summary>GET /nodes/{id}/slots or /services.</summary>
    public static void DescribeList<TList>(this EndpointSummary s, SubscriptionKind kind, Func<IReadOnlyList<SubscriptionView>, TList> list)
    {
        s.Summary = $"List a node's {kind.Noun()}s";
        s.Answers(StatusCodes.Status200OK, $"the {kind.Noun()}s", list(SubscriptionView.From([Example(kind)])), Refusal.UnknownNode);
    }

    /// <summary>DELETE /nodes/{id}/slots or /services.</summary>
    public static void DescribeRemove(this EndpointSummary s, SubscriptionKind kind)
    {
        var noun = kind.Noun();
        s.Summary = $"Remove a node's {noun}s on a topic";
        s.Description = $"?topic=T removes every {noun} of the node on T; ?topic=T&path=P only the one at P. Answered once the " +
            "subscriptions are gone from Redis; deliveries already running finish.";
        s.Answers(StatusCodes.Status200OK, "removed", StatusAnswer.Ok,
            Refusal.BadInput("topic query parameter is required (?topic=T, optionally &path=P)"),
            new Refusal(StatusCodes.Status404NotFound, $"no node has this id, or it has no {noun} on this topic (at this path)",
                $"node {ExampleNode} has no {noun} on topic '{Example(kind).Topic}'"));
    }

    private static Subscription Example(SubscriptionKind kind) => kind == SubscriptionKind.Slot
        ? new Subscription("shop.events.*", "auditors", "/events", 30)
        : new Subscription("shop.price", "shop", "/price", 30);
}
