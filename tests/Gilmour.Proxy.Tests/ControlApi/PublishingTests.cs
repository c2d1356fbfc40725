using System.Net;
using System.Text.Json;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>POST /request and /signal through the whole proxy: one registered node publishes, another serves.</summary>
public sealed class PublishingTests(ProxyFixture proxy) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task A_request_sent_the_instant_registration_returns_reaches_the_node()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        for (var i = 0; i < 5; i++)
        {
            await proxy.Control.RegisterNodeAsync(server.Port, $$"""{"services":[{"topic":"instant.{{i}}","group":"g","path":"/instant"}]}""");

            var answer = await proxy.Control.PostAsync($"/request/{publisher}", $$"""{"topic":"instant.{{i}}","message":{{i}},"timeout":10}""");

            Assert.True(answer.Status == HttpStatusCode.OK, $"registration {i}: {answer}\n{proxy.Harness.Logs}");
            Assert.Equal($$"""{"messages":[{"data":{{i}},"code":200}],"code":200,"length":1}""", answer.Raw);
        }
        Assert.Equal(5, server.DeliveriesTo("/instant").Count);
    }

    [Fact]
    public async Task A_request_from_one_node_is_served_by_another_with_its_data_and_code()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/created", d => new NodeAnswer(201, $$"""{"got":{{d.Body.GetProperty("data").GetRawText()}}}"""));
        await proxy.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"roundtrip.create","group":"g","path":"/created","timeout":7}]}""");

        var answer = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"roundtrip.create","message":{"name":"x","n":[1,2]}}""");

        Assert.Equal(HttpStatusCode.Created, answer.Status);
        Assert.Equal(new[] { "messages", "code", "length" }, answer.Body.FieldNames());
        Assert.Equal("""{"messages":[{"data":{"got":{"name":"x","n":[1,2]}},"code":201}],"code":201,"length":1}""", answer.Raw);
        var delivery = Assert.Single(server.DeliveriesTo("/created"));
        Assert.Equal("roundtrip.create", delivery.Body.GetProperty("topic").GetString());
        Assert.Equal("""{"name":"x","n":[1,2]}""", delivery.Body.GetProperty("data").GetRawText());
        Assert.Equal(7, delivery.Body.GetProperty("timeout").GetInt32());
        Assert.False(string.IsNullOrEmpty(delivery.Body.GetProperty("sender").GetString()));
    }

    [Fact]
    public async Task A_node_answering_503_gives_code_503_and_HTTP_503()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/busy", _ => new NodeAnswer(503, """{"reason":"busy"}"""));
        await proxy.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"roundtrip.busy","group":"g","path":"/busy"}]}""");

        var answer = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"roundtrip.busy"}""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.Equal("""{"messages":[{"data":{"reason":"busy"},"code":503}],"code":503,"length":1}""", answer.Raw);
    }

    [Theory]
    [InlineData(204, 200)]
    [InlineData(299, 299)]
    [InlineData(600, 502)]
    public async Task A_code_HTTP_cannot_answer_with_keeps_its_value_in_the_body(int code, int httpStatus)
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/odd", _ => new NodeAnswer(code, code == 204 ? null : "\"odd\""));
        var topic = $"odd.{code}";
        await proxy.Control.RegisterNodeAsync(server.Port, $$"""{"services":[{"topic":"{{topic}}","group":"g","path":"/odd"}]}""");

        var answer = await proxy.Control.PostAsync($"/request/{publisher}", $$"""{"topic":"{{topic}}"}""");

        Assert.True(httpStatus == answer.Code, answer.ToString());
        Assert.Equal(code, answer.Body.GetProperty("code").GetInt32());
        Assert.Equal(code, answer.Body.GetProperty("messages")[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_request_nobody_serves_answers_404_in_the_messages_shape()
    {
        var publisher = await RegisterPublisherAsync();

        var answer = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"nobody.listens","message":1}""");

        Assert.Equal(HttpStatusCode.NotFound, answer.Status);
        Assert.Equal(404, answer.Body.GetProperty("code").GetInt32());
        Assert.Equal(1, answer.Body.GetProperty("length").GetInt32());
        Assert.Equal(404, answer.Body.GetProperty("messages")[0].GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_request_that_outlives_its_timeout_answers_499()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/slow", async (_, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(5), ct);
            return new NodeAnswer(200, "\"late\"");
        });
        await proxy.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"slow.one","group":"g","path":"/slow"}]}""");

        var answer = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"slow.one","timeout":0.5}""");

        Assert.Equal(499, answer.Code);
        Assert.Equal("""{"messages":[{"data":"Execution timed out","code":499}],"code":499,"length":1}""", answer.Raw);
    }

    [Fact]
    public async Task A_composition_pipes_the_output_of_one_service_into_the_next()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/double", d => new NodeAnswer(200, (d.Body.GetProperty("data").GetInt32() * 2).ToString()));
        server.Handle("/increment", d => new NodeAnswer(200, (d.Body.GetProperty("data").GetInt32() + 1).ToString()));
        await proxy.Control.RegisterNodeAsync(server.Port, """
            {"services":[{"topic":"math.double","group":"g","path":"/double"},{"topic":"math.increment","group":"g","path":"/increment"}]}
            """);

        var answer = await proxy.Control.PostAsync($"/request/{publisher}",
            """{"composition":{"pipe":[{"topic":"math.double"},{"topic":"math.increment"}]},"message":5}""");

        Assert.Equal("""{"messages":[{"data":11,"code":200}],"code":200,"length":1}""", answer.Raw);
        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(5, server.DeliveriesTo("/double").Single().Body.GetProperty("data").GetInt32());
        Assert.Equal(10, server.DeliveriesTo("/increment").Single().Body.GetProperty("data").GetInt32());
    }

    [Fact]
    public async Task A_parallel_composition_returns_every_message_and_the_highest_code_as_HTTP_status()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/refuse", _ => new NodeAnswer(403, "\"no\""));
        await proxy.Control.RegisterNodeAsync(server.Port, """
            {"services":[{"topic":"par.echo","group":"g","path":"/echo"},{"topic":"par.refuse","group":"g","path":"/refuse"}]}
            """);

        var answer = await proxy.Control.PostAsync($"/request/{publisher}",
            """{"composition":{"parallel":[{"topic":"par.echo"},{"topic":"par.refuse"}]},"message":"hi"}""");

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.Equal("""{"messages":[{"data":"hi","code":200},{"data":"no","code":403}],"code":403,"length":2}""", answer.Raw);
    }

    [Fact]
    public async Task A_signal_reaches_every_slot_on_its_topic_and_names_its_sender()
    {
        var publisher = await RegisterPublisherAsync();
        var listener = await proxy.StartNodeAsync();
        await proxy.Control.RegisterNodeAsync(listener.Port, """
            {"slots":[{"topic":"sig.*","path":"/any"},{"topic":"sig.x","path":"/x"}]}
            """);

        var answer = await proxy.Control.PostAsync($"/signal/{publisher}", """{"topic":"sig.x","message":{"k":1}}""");

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(new[] { "status", "sender" }, answer.Body.FieldNames());
        Assert.Equal("ok", answer.StatusField);
        var sender = answer.Body.GetProperty("sender").GetString();
        Assert.False(string.IsNullOrEmpty(sender));
        foreach (var path in new[] { "/any", "/x" })
        {
            var delivery = Assert.Single(await listener.WaitForDeliveriesAsync(path, 1));
            Assert.Equal("sig.x", delivery.Body.GetProperty("topic").GetString());
            Assert.Equal(sender, delivery.Body.GetProperty("sender").GetString());
            Assert.Equal("""{"k":1}""", delivery.Body.GetProperty("data").GetRawText());
        }
    }

    [Fact]
    public async Task A_node_answering_404_is_told_apart_from_a_topic_nobody_serves()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        server.Handle("/missing", _ => new NodeAnswer(404, "\"no such item\""));
        await proxy.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"answered.by.node","group":"g","path":"/missing"}]}""");

        var fromNode = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"answered.by.node"}""");
        var fromProxy = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"answered.by.nobody"}""");
        var refused = await proxy.Control.PostAsync($"/request/{Guid.NewGuid()}", """{"topic":"answered.by.node"}""");

        Assert.Equal((HttpStatusCode.NotFound, "node"), (fromNode.Status, AnsweredBy(fromNode)));
        Assert.Equal((HttpStatusCode.NotFound, "proxy"), (fromProxy.Status, AnsweredBy(fromProxy)));
        Assert.Equal((HttpStatusCode.NotFound, "proxy"), (refused.Status, AnsweredBy(refused)));
    }

    [Fact]
    public async Task A_timeout_above_the_cap_is_capped_and_the_answer_says_so()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        await proxy.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"capped.echo","group":"g","path":"/echo"}]}""");

        var capped = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"capped.echo","message":1,"timeout":5000}""");
        var within = await proxy.Control.PostAsync($"/request/{publisher}", """{"topic":"capped.echo","message":1,"timeout":30}""");

        Assert.Equal(HttpStatusCode.OK, capped.Status);
        Assert.Equal("""{"messages":[{"data":1,"code":200}],"code":200,"length":1,"timeout_capped":300}""", capped.Raw);
        Assert.Equal(["300"], capped.Headers.GetValues("Gilmour-Timeout-Capped"));
        Assert.Equal("node", AnsweredBy(capped));
        Assert.Equal("""{"messages":[{"data":1,"code":200}],"code":200,"length":1}""", within.Raw);
        Assert.False(within.Headers.Contains("Gilmour-Timeout-Capped"));
    }

    [Fact]
    public async Task A_large_reply_is_answered_whole_with_its_length_and_the_data_exactly_as_the_node_wrote_it()
    {
        var publisher = await RegisterPublisherAsync();
        var server = await proxy.StartNodeAsync();
        // Large enough to be written from one buffer; non-ASCII text and escapes must come through as they were.
        var data = $$"""{"text":"{{new string('x', 200_000)}}","name":"Zoë \"quoted\" <tag>","n":[1,2.5,null]}""";
        server.Handle("/large", _ => new NodeAnswer(200, data));
        await proxy.Control.RegisterNodeAsync(server.Port, """{"services":[{"topic":"roundtrip.large","group":"g","path":"/large"}]}""");

        using var response = await proxy.Control.PostAsync($"/request/{publisher}",
            new StringContent("""{"topic":"roundtrip.large"}""", System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal($$"""{"messages":[{"data":{{data}},"code":200}],"code":200,"length":1}""", System.Text.Encoding.UTF8.GetString(body));
    }

    private static string? AnsweredBy(Answer answer) =>
        answer.Headers.TryGetValues("Gilmour-Answered-By", out var values) ? Assert.Single(values) : null;

    /// <summary>A node with no subscriptions that publishes through the proxy.</summary>
    private async Task<string> RegisterPublisherAsync()
    {
        var node = await proxy.StartNodeAsync();
        return await proxy.Control.RegisterNodeAsync(node.Port);
    }
}
