using Gilmour.Registry;

namespace Gilmour.Core.Tests.Registry;

public sealed class NodeRulesTests
{
    public static TheoryData<string, Func<Node, Node>, string> BrokenNodes => new()
    {
        { "port 0", n => n with { Port = 0 }, "port 0 is not in 1..65535" },
        { "port 65536", n => n with { Port = 65536 }, "port 65536 is not in 1..65535" },
        { "empty host", n => n with { Host = "" }, "host is missing" },
        { "empty ident", n => n with { Ident = " " }, "health ident is missing" },
        { "relative health check", n => n with { HealthCheck = "health" }, "health_check 'health' must start with '/'" },
        { "health check with a space", n => n with { HealthCheck = "/he alth" }, "may not contain spaces or control characters" },
        { "max_concurrency 0", n => n with { MaxConcurrency = 0 }, "max_concurrency must be positive" },
        { "empty slot topic", n => n with { Slots = [new Subscription("", null, "/p")] }, "slot topic is missing" },
        { "slot without path", n => n with { Slots = [new Subscription("t", null, "")] }, "slot 't': path is missing" },
        { "slot with a zero timeout", n => n with { Slots = [new Subscription("t", null, "/p", 0)] }, "timeout must be a positive number" },
        { "slot with an empty group", n => n with { Slots = [new Subscription("t", "", "/p")] }, "group, when given, may not be empty" },
        { "slot held twice", n => n with { Slots = [new Subscription("t", "g", "/p"), new Subscription("t", "g", "/p")] }, "slot 't' (group 'g', path '/p') is held twice" },
        { "service without group", n => n with { Services = [new Subscription("t", null, "/p")] }, "service 't': group is missing (a service needs an exclusion group)" },
        { "wildcard service", n => n with { Services = [new Subscription("t.*", "g", "/p")] }, "may not be a wildcard" },
        { "two services of one group", n => n with { Services = [new Subscription("t", "g", "/a"), new Subscription("t", "g", "/b")] }, "two services on topic 't' in group 'g'" },
    };

    [Theory]
    [MemberData(nameof(BrokenNodes))]
    public void Node_breaking_a_rule_is_refused_with_a_clear_message(string rule, Func<Node, Node> breakIt, string expected)
    {
        var node = breakIt(SampleNodes.New() with { Revision = 1 });

        var problem = NodeRules.Check(node);

        Assert.True(problem?.Contains(expected) == true, $"{rule}: got '{problem}'");
        Assert.Throws<ArgumentException>(() => NodeRules.Ensure(node));
    }

    [Fact]
    public void Slots_differing_in_group_or_path_and_services_differing_in_group_are_allowed()
    {
        var node = SampleNodes.New() with
        {
            Revision = 1,
            Slots = [new Subscription("t", null, "/p"), new Subscription("t", "g", "/p"), new Subscription("t", "g", "/q"), new Subscription("t.*", null, "/w")],
            Services = [new Subscription("s", "g1", "/p"), new Subscription("s", "g2", "/p")],
        };

        Assert.Null(NodeRules.Check(node));
    }

    public static TheoryData<string, string?> Paths => new()
    {
        { "/ok", null },
        { "/price?currency=eur", null },
        { "/café", null },
        { "", "is missing" },
        { "price", "must start with '/'" },
        { "/a b", "may not contain spaces or control characters" },
        { "/a\tb", "may not contain spaces or control characters" },
        { "/a#b", "may not contain '#'" },
        { "/" + new string('a', NodeRules.MaxPathLength), $"may not be longer than {NodeRules.MaxPathLength} characters" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_path_is_absolute_printable_and_without_fragment(string path, string? expected) =>
        Assert.Equal(expected, NodeRules.PathProblem(path));

    [Fact]
    public void A_stored_node_obeys_the_same_path_rules_as_a_registration()
    {
        var node = SampleNodes.New() with { Revision = 1, Slots = [new Subscription("t", null, "/on#fragment")] };

        Assert.Equal($"node {node.Id}: slot 't': path '/on#fragment' may not contain '#'", NodeRules.Check(node));
        Assert.Equal($"node {node.Id}: health_check '/h#x' may not contain '#'", NodeRules.Check(node with { Slots = [], HealthCheck = "/h#x" }));
    }

    public static TheoryData<SubscriptionKind, string?, string?> Topics => new()
    {
        { SubscriptionKind.Slot, "orders.created", null },
        { SubscriptionKind.Slot, "orders.*", null },
        { SubscriptionKind.Service, "orders.price", null },
        { SubscriptionKind.Service, "orders.*", "may not be a wildcard (only slots may use '*')" },
        { SubscriptionKind.Slot, null, "is missing" },
        { SubscriptionKind.Service, "  ", "is missing" },
        { SubscriptionKind.Slot, "a\u0001b", "may not contain control characters" },
        { SubscriptionKind.Slot, new string('t', NodeRules.MaxTopicLength + 1), $"may not be longer than {NodeRules.MaxTopicLength} characters" },
    };

    [Theory]
    [MemberData(nameof(Topics))]
    public void Only_a_slot_topic_may_be_a_wildcard(SubscriptionKind kind, string? topic, string? expected) =>
        Assert.Equal(expected, NodeRules.TopicProblem(topic, kind));

    public static TheoryData<SubscriptionKind, string?, string?> Groups => new()
    {
        { SubscriptionKind.Slot, null, null },
        { SubscriptionKind.Slot, "", null },
        { SubscriptionKind.Slot, "auditors", null },
        { SubscriptionKind.Service, "pricers", null },
        { SubscriptionKind.Service, null, "is missing (a service needs an exclusion group)" },
        { SubscriptionKind.Service, "", "is missing (a service needs an exclusion group)" },
        { SubscriptionKind.Slot, "   ", "may not be blank" },
        { SubscriptionKind.Service, "g\nh", "may not contain control characters" },
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public void A_service_needs_an_exclusion_group_and_a_slot_may_have_one(SubscriptionKind kind, string? group, string? expected) =>
        Assert.Equal(expected, NodeRules.GroupProblem(group, kind));

    [Theory]
    [InlineData(null, true)]
    [InlineData(1, true)]
    [InlineData(600, true)]
    [InlineData(0, false)]
    [InlineData(-5, false)]
    public void A_timeout_is_absent_or_a_positive_number_of_seconds(int? timeout, bool fine) =>
        Assert.Equal(fine, NodeRules.TimeoutProblem(timeout) is null);

    [Fact]
    public void Two_subscriptions_clash_when_alike_and_two_services_when_they_share_an_exclusion_group()
    {
        var held = new Subscription("t", "g", "/a");

        Assert.Equal("it has the same topic, group and path", NodeRules.Clash(SubscriptionKind.Slot, held, held with { Timeout = 5 }));
        Assert.Null(NodeRules.Clash(SubscriptionKind.Slot, held, held with { Path = "/b" }));
        Assert.StartsWith("it has the same topic and exclusion group", NodeRules.Clash(SubscriptionKind.Service, held, held with { Path = "/b" }));
        Assert.Null(NodeRules.Clash(SubscriptionKind.Service, held, held with { Group = "h" }));
    }
}
