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
        { "slot without path", n => n with { Slots = [new Subscription("t", null, "")] }, "slot 't' path is missing" },
        { "slot with a zero timeout", n => n with { Slots = [new Subscription("t", null, "/p", 0)] }, "timeout must be a positive number" },
        { "slot with an empty group", n => n with { Slots = [new Subscription("t", "", "/p")] }, "group, when given, may not be empty" },
        { "slot held twice", n => n with { Slots = [new Subscription("t", "g", "/p"), new Subscription("t", "g", "/p")] }, "slot 't' (group 'g', path '/p') is held twice" },
        { "service without group", n => n with { Services = [new Subscription("t", null, "/p")] }, "service 't' needs an exclusion group" },
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
}
