using System.Text.Json;
using Gilmour.Registry;
using Gilmour.Streaming;

namespace Gilmour.Core.Tests.Registry;

/// <summary>What each transport means for a stored node, and the registry write a lost stream makes.</summary>
public sealed class NodeTransportTests : RegistryOnRedis
{
    private static Node DialingOut(NodeTransport transport) =>
        SampleNodes.New() with { Host = "", Port = 0, HealthCheck = "", Revision = 1, Transport = transport };

    public static TheoryData<string, Func<Node, Node>, string> BrokenNodes => new()
    {
        { "stream with a port", n => DialingOut(NodeTransport.Stream) with { Port = 80 }, "never called" },
        { "stream with a host", n => DialingOut(NodeTransport.Stream) with { Host = "10.0.0.1" }, "never called" },
        { "stream with a health check", n => DialingOut(NodeTransport.Stream) with { HealthCheck = "/health" }, "never called" },
        { "sender with a slot", n => DialingOut(NodeTransport.None) with { Services = [] }, "serves nothing" },
        { "sender with a service", n => DialingOut(NodeTransport.None) with { Slots = [] }, "serves nothing" },
        { "unknown transport", n => DialingOut((NodeTransport)7), "transport 7 is unknown" },
    };

    [Theory]
    [MemberData(nameof(BrokenNodes))]
    public void A_node_breaking_its_transports_rules_is_refused(string rule, Func<Node, Node> make, string expected)
    {
        var problem = NodeRules.Check(make(SampleNodes.New()));
        Assert.True(problem?.Contains(expected) == true, $"{rule}: got '{problem}'");
    }

    [Fact]
    public void Stream_nodes_with_subscriptions_and_senders_without_are_valid_and_have_no_address()
    {
        Assert.Null(NodeRules.Check(DialingOut(NodeTransport.Stream)));
        var sender = DialingOut(NodeTransport.None) with { Slots = [], Services = [] };
        Assert.Null(NodeRules.Check(sender));
        Assert.Throws<InvalidOperationException>(() => sender.Address("/x"));
    }

    [Fact]
    public async Task A_callback_node_is_stored_without_a_transport_and_others_with_theirs()
    {
        var callback = SampleNodes.New();
        var stream = DialingOut(NodeTransport.Stream) with { Id = Guid.NewGuid().ToString() };
        Assert.True(await Registry.AddAsync(callback));
        Assert.True(await Registry.AddAsync(stream));

        using var stored = JsonDocument.Parse((string)(await Database.StringGetAsync(RegistryKeys.Node(callback.Id)))!);
        Assert.False(stored.RootElement.TryGetProperty("transport", out _));
        Assert.Equal(NodeTransport.Callback, (await Registry.GetAsync(callback.Id))!.Transport);
        using var streamed = JsonDocument.Parse((string)(await Database.StringGetAsync(RegistryKeys.Node(stream.Id)))!);
        Assert.Equal("stream", streamed.RootElement.GetProperty("transport").GetString());
        Assert.Equal(NodeTransport.Stream, (await Registry.GetAsync(stream.Id))!.Transport);
    }

    [Fact]
    public async Task A_write_that_requires_no_stream_lease_changes_nothing_while_a_stream_holds_one()
    {
        var node = DialingOut(NodeTransport.Stream);
        Assert.True(await Registry.AddAsync(node));
        await new StreamLeases(Redis).TakeAsync(node.Id, "s1", TimeSpan.FromMinutes(1));

        var returned = await Registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Unavailable }, StreamLeases.NoStreamHolds(node.Id));

        Assert.Equal((NodeStatus.Ok, 1L), (returned!.Status, returned.Revision));
        Assert.Equal((NodeStatus.Ok, 1L), ((await Registry.GetAsync(node.Id))!.Status, (await Registry.GetAsync(node.Id))!.Revision));

        await new StreamLeases(Redis).ReleaseAsync(node.Id, "s1");
        var written = await Registry.UpdateAsync(node.Id, n => n with { Status = NodeStatus.Unavailable }, StreamLeases.NoStreamHolds(node.Id));
        Assert.Equal((NodeStatus.Unavailable, 2L), (written!.Status, written.Revision));
    }

    [Fact]
    public async Task A_conditional_write_that_loses_a_race_on_the_node_is_retried_while_its_condition_holds()
    {
        var node = DialingOut(NodeTransport.Stream);
        Assert.True(await Registry.AddAsync(node));
        await using var rival = await Server.ConnectAsync();
        var attempts = 0;

        var written = await Registry.UpdateAsync(node.Id, n =>
        {
            // Another writer lands between this read and its transaction, once.
            if (attempts++ == 0) rival.GetDatabase().StringSet(RegistryKeys.Node(node.Id), SampleNodes.Json(n with { Revision = 5 }));
            return n with { Status = NodeStatus.Unavailable };
        }, StreamLeases.NoStreamHolds(node.Id));

        Assert.Equal(2, attempts);
        Assert.Equal((NodeStatus.Unavailable, 6L), (written!.Status, written.Revision));
    }
}
