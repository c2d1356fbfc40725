using System.Net;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using static Gilmour.Proxy.Tests.Security.BehindAProxyFixture;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>
/// Where the proxy calls a registering node back, with ASP.NET Core's forwarded headers switched on as a cloud
/// deployment has them: the TCP peer, or the address the trusted nginx appended, never what a client wrote.
/// </summary>
public sealed class CallbackAddressTests(BehindAProxyFixture proxy) : IClassFixture<BehindAProxyFixture>
{
    [Fact]
    public async Task Through_the_trusted_proxy_a_node_is_called_back_at_its_own_address()
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();
        using var client = BoundClient.From(NodeAddress, proxy.Nginx.BaseAddress);

        var answer = await client.RegisterAsync(node.Port);

        Assert.True(answer.Status == HttpStatusCode.Created, $"{answer}\n{proxy.Nginx.Logs}\n{proxy.Harness.Logs}");
        var id = answer.Body.GetProperty("id").GetString()!;
        Assert.Equal(NodeAddress.ToString(), (await proxy.Registry.GetAsync(id))!.Host);
        Assert.True(node.HealthProbes >= 1, "the node's own address got no health check");
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
        // It did go through nginx, from the node's address, and nginx reached the API from its own.
        await Eventually.HoldsAsync(() => proxy.Nginx.Logs.Contains($"{NodeAddress} \"{NodeAddress}\" \"POST /nodes"),
            TimeSpan.FromSeconds(30), () => proxy.Nginx.Logs);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "127.0.0.9")]
    [InlineData("X-Forwarded-For", "127.0.0.9, 127.0.0.9")]
    [InlineData("X-Forwarded-For", "127.0.0.3")]
    [InlineData("Forwarded", "for=127.0.0.9")]
    public async Task A_forged_entry_sent_through_the_trusted_proxy_changes_nothing(string header, string forged)
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();
        using var client = BoundClient.From(NodeAddress, proxy.Nginx.BaseAddress);

        var answer = await client.CallAsync(HttpMethod.Post, "/nodes", System.Text.Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}}"""),
            headers: new Dictionary<string, string> { [header] = forged });

        Assert.True(answer.Status == HttpStatusCode.Created, $"{answer}\n{proxy.Nginx.Logs}");
        Assert.Equal(NodeAddress.ToString(), (await proxy.Registry.GetAsync(answer.Body.GetProperty("id").GetString()!))!.Host);
        Assert.True(node.HealthProbes >= 1);
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
        // nginx did pass the forged list on, with the node's address appended.
        if (header == "X-Forwarded-For")
            await Eventually.HoldsAsync(() => proxy.Nginx.Logs.Contains($"{NodeAddress} \"{forged}, {NodeAddress}\" \"POST /nodes"),
                TimeSpan.FromSeconds(30), () => proxy.Nginx.Logs);
    }

    [Theory]
    [InlineData("X-Forwarded-For", "127.0.0.9")]
    [InlineData("X-Forwarded-For", "127.0.0.3, 127.0.0.9")]
    [InlineData("Forwarded", "for=127.0.0.9")]
    [InlineData("Forwarded", "for=\"127.0.0.9:80\"")]
    public async Task A_forwarding_header_sent_straight_to_the_api_changes_nothing(string header, string forged)
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();
        using var client = BoundClient.From(NodeAddress, proxy.Harness.Control.BaseAddress!);

        var answer = await client.CallAsync(HttpMethod.Post, "/nodes", System.Text.Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}}"""),
            headers: new Dictionary<string, string> { [header] = forged });

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(NodeAddress.ToString(), (await proxy.Registry.GetAsync(answer.Body.GetProperty("id").GetString()!))!.Host);
        Assert.True(node.HealthProbes >= 1);
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
    }

    [Fact]
    public async Task From_the_trusted_proxy_only_the_rightmost_entry_counts()
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();
        // A client on the proxy's own address stands for a proxy that appended 127.0.0.2 to a forged list.
        using var asTheProxy = BoundClient.From(ProxyAddress, proxy.Harness.Control.BaseAddress!);

        var answer = await asTheProxy.CallAsync(HttpMethod.Post, "/nodes", System.Text.Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}}"""),
            headers: new Dictionary<string, string> { ["X-Forwarded-For"] = $"{ForgedAddress}, 127.0.0.1, {NodeAddress}" });

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(NodeAddress.ToString(), (await proxy.Registry.GetAsync(answer.Body.GetProperty("id").GetString()!))!.Host);
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("127.0.0.2, ")]
    [InlineData("node.example")]
    [InlineData("127.0.0.2:notaport")]
    public async Task A_trusted_proxy_forwarding_something_that_is_not_an_address_is_refused_without_calling_anyone(string forwarded)
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();
        var before = await proxy.SnapshotAsync();
        using var asTheProxy = BoundClient.From(ProxyAddress, proxy.Harness.Control.BaseAddress!);

        var answer = await asTheProxy.CallAsync(HttpMethod.Post, "/nodes", System.Text.Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}}"""),
            headers: new Dictionary<string, string> { ["X-Forwarded-For"] = forwarded });

        Assert.True(answer.Status == HttpStatusCode.BadRequest, answer.ToString());
        Assert.Equal(["status"], answer.Body.FieldNames());
        Assert.Contains("X-Forwarded-For", answer.StatusField);
        Assert.Equal(0, node.HealthProbes);
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2")]
    [InlineData("::ffff:127.0.0.2", "127.0.0.2")]
    public async Task An_explicit_host_inside_an_allow_listed_range_is_the_callback_host(string host, string stored)
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();

        var answer = await proxy.Control.RegisterAsync(node.Port, $$"""{"host":"{{host}}"}""");

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(stored, (await proxy.Registry.GetAsync(answer.Body.GetProperty("id").GetString()!))!.Host);
        Assert.True(node.HealthProbes >= 1);
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
    }

    [Theory]
    [InlineData("127.0.0.9")]
    [InlineData("::ffff:127.0.0.9")]
    [InlineData("localhost")]
    public async Task An_explicit_host_outside_the_allow_list_is_refused_without_calling_it(string host)
    {
        var (node, decoys) = await proxy.StartNodeAndDecoysAsync();
        var before = await proxy.SnapshotAsync();

        var answer = await proxy.Control.RegisterAsync(node.Port, $$"""{"host":"{{host}}"}""");

        Assert.True(answer.Status == HttpStatusCode.Forbidden, answer.ToString());
        Assert.Contains("AllowedNodeHosts", answer.StatusField);
        Assert.Equal(0, node.HealthProbes);
        Assert.All(decoys, decoy => Assert.Equal(0, decoy.HealthProbes));
        Assert.Equal(before, await proxy.SnapshotAsync());
    }
}
