using System.Net;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>The control routes on their happy paths, with the exact field names of docs/api.md.</summary>
public sealed class NodeRoutesTests(ProxyFixture proxy) : IClassFixture<ProxyFixture>
{
    private static readonly string[] NodeFields = ["id", "host", "port", "health_check", "status", "slots", "services", "transport"];
    private static readonly string[] SubscriptionFields = ["topic", "group", "path", "timeout"];

    [Fact]
    public async Task Registration_answers_201_with_id_status_and_token_after_pinging_the_health_check()
    {
        var node = await proxy.StartNodeAsync("/ping");

        var answer = await proxy.Control.RegisterAsync(node.Port, """{"health_check":"/ping"}""");

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        Assert.Equal(new[] { "id", "status", "token" }, answer.Body.FieldNames());
        Assert.True(Guid.TryParse(answer.Body.GetProperty("id").GetString(), out _), answer.ToString());
        Assert.Equal("ok", answer.Body.GetProperty("status").GetString());
        Assert.True(node.HealthProbes >= 1, "the node's health_check was not pinged");
    }

    [Fact]
    public async Task A_registered_node_is_shown_with_every_field_and_the_defaults_filled_in()
    {
        var node = await proxy.StartNodeAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, """
            {"slots":[{"topic":"show.*","path":"/signals"},{"topic":"show.grouped","group":"audit","path":"/audit","timeout":30}],
            "services":[{"topic":"show.echo","group":"echoers","path":"/echo","timeout":5}],
            "max_concurrency":4}
            """);

        var one = await proxy.Control.GetAnswerAsync($"/nodes/{id}");
        Assert.Equal(HttpStatusCode.OK, one.Status);
        Assert.Equal(NodeFields.Append("max_concurrency"), one.Body.FieldNames());
        Assert.Equal(id, one.Body.GetProperty("id").GetString());
        Assert.Equal("127.0.0.1", one.Body.GetProperty("host").GetString());
        Assert.Equal(node.Port, one.Body.GetProperty("port").GetInt32());
        Assert.Equal("/health", one.Body.GetProperty("health_check").GetString());
        Assert.Equal("ok", one.Body.GetProperty("status").GetString());
        Assert.Equal(4, one.Body.GetProperty("max_concurrency").GetInt32());
        Assert.Equal("callback", one.Body.GetProperty("transport").GetString());

        var slots = one.Body.GetProperty("slots").EnumerateArray().ToList();
        Assert.Equal(2, slots.Count);
        Assert.All(slots, s => Assert.Equal(SubscriptionFields, s.FieldNames()));
        Assert.Equal("show.*", slots[0].GetProperty("topic").GetString());
        Assert.Equal(JsonValueKind.Null, slots[0].GetProperty("group").ValueKind);
        Assert.Equal(600, slots[0].GetProperty("timeout").GetInt32());
        Assert.Equal("audit", slots[1].GetProperty("group").GetString());
        Assert.Equal(30, slots[1].GetProperty("timeout").GetInt32());
        var service = Assert.Single(one.Body.GetProperty("services").EnumerateArray());
        Assert.Equal("""{"topic":"show.echo","group":"echoers","path":"/echo","timeout":5}""", service.GetRawText());

        var all = await proxy.Control.GetAnswerAsync("/nodes");
        Assert.Equal(new[] { "nodes" }, all.Body.FieldNames());
        var listed = Assert.Single(all.Body.GetProperty("nodes").EnumerateArray(), n => n.GetProperty("id").GetString() == id);
        Assert.Equal(one.Body.GetRawText(), listed.GetRawText());
    }

    [Fact]
    public async Task Slots_are_added_listed_and_removed_by_topic_and_path_or_by_topic()
    {
        var node = await proxy.StartNodeAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port);

        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.PostAsync($"/nodes/{id}/slots", """{"topic":"s.a","path":"/one"}""")).Raw);
        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.PostAsync($"/nodes/{id}/slots", """{"topic":"s.a","path":"/two","group":"g"}""")).Raw);
        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.PostAsync($"/nodes/{id}/slots", """{"topic":"s.*","path":"/all","timeout":9}""")).Raw);
        Assert.Equal(
            """{"slots":[{"topic":"s.a","group":null,"path":"/one","timeout":600},{"topic":"s.a","group":"g","path":"/two","timeout":600},{"topic":"s.*","group":null,"path":"/all","timeout":9}]}""",
            (await proxy.Control.GetAnswerAsync($"/nodes/{id}/slots")).Raw);

        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.DeleteAnswerAsync($"/nodes/{id}/slots?topic=s.a&path=/two")).Raw);
        Assert.Equal(new[] { "/one", "/all" }, await PathsAsync(id, "slots"));
        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.DeleteAnswerAsync($"/nodes/{id}/slots?topic=s.a")).Raw);
        Assert.Equal(new[] { "/all" }, await PathsAsync(id, "slots"));
        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.DeleteAnswerAsync($"/nodes/{id}/slots?topic={Uri.EscapeDataString("s.*")}")).Raw);
        Assert.Empty(await PathsAsync(id, "slots"));
    }

    [Fact]
    public async Task Services_are_added_listed_and_removed()
    {
        var node = await proxy.StartNodeAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, """{"services":[{"topic":"v.a","group":"g","path":"/a"}]}""");

        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.PostAsync($"/nodes/{id}/services", """{"topic":"v.b","group":"g","path":"/b","timeout":3}""")).Raw);
        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.PostAsync($"/nodes/{id}/services", """{"topic":"v.a","group":"other","path":"/a2"}""")).Raw);
        Assert.Equal(
            """{"services":[{"topic":"v.a","group":"g","path":"/a","timeout":600},{"topic":"v.b","group":"g","path":"/b","timeout":3},{"topic":"v.a","group":"other","path":"/a2","timeout":600}]}""",
            (await proxy.Control.GetAnswerAsync($"/nodes/{id}/services")).Raw);

        Assert.Equal("""{"status":"ok"}""", (await proxy.Control.DeleteAnswerAsync($"/nodes/{id}/services?topic=v.a")).Raw);
        Assert.Equal(new[] { "/b" }, await PathsAsync(id, "services"));
    }

    [Fact]
    public async Task A_deleted_node_disappears_with_its_health_ident()
    {
        var node = await proxy.StartNodeAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port, """{"slots":[{"topic":"gone","path":"/gone"}]}""");
        var ident = (await proxy.Registry.GetAsync(id))!.Ident;
        Assert.True(await proxy.Redis.GetDatabase().HashExistsAsync(Channels.KnownHostHealth, ident));

        var answer = await proxy.Control.DeleteAnswerAsync($"/nodes/{id}");

        Assert.Equal("""{"status":"ok"}""", answer.Raw);
        Assert.Equal(HttpStatusCode.NotFound, (await proxy.Control.GetAnswerAsync($"/nodes/{id}")).Status);
        Assert.DoesNotContain((await proxy.Control.GetAnswerAsync("/nodes")).Body.GetProperty("nodes").EnumerateArray(),
            n => n.GetProperty("id").GetString() == id);
        Assert.False(await proxy.Redis.GetDatabase().HashExistsAsync(Channels.KnownHostHealth, ident));
        Assert.Null(await proxy.Registry.GetAsync(id));
    }

    [Fact]
    public async Task Activation_pings_a_dirty_node_and_brings_it_back_to_ok()
    {
        var node = await proxy.StartNodeAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port);
        await proxy.Registry.UpdateAsync(id, n => n with { Status = NodeStatus.Dirty });
        var probes = node.HealthProbes;

        var answer = await proxy.Control.CallAsync(HttpMethod.Post, $"/nodes/{id}/activate");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal($$"""{"id":"{{id}}","status":"ok"}""", answer.Raw);
        Assert.True(node.HealthProbes > probes, "activation did not ping the health_check");
        Assert.Equal(NodeStatus.Ok, (await proxy.Registry.GetAsync(id))!.Status);
    }

    private async Task<string[]> PathsAsync(string id, string kind) =>
        [.. (await proxy.Control.GetAnswerAsync($"/nodes/{id}/{kind}")).Body.GetProperty(kind).EnumerateArray().Select(s => s.GetProperty("path").GetString()!)];
}
