using System.Net;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// <c>POST /nodes/{id}/replies</c>: several replies in one call, each taken or refused exactly as the one-reply route
/// would (200, 404, 410), with each one's fate answered in order; a batch with anything malformed is refused whole
/// and takes nothing.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamBatchReplyTests(StreamBadInputFixture proxy) : IClassFixture<StreamBadInputFixture>
{
    [Fact]
    public async Task A_batch_answers_its_pending_deliveries_and_tells_each_replys_fate_in_order()
    {
        var (first, firstRequest) = await proxy.HoldRequestAsync("11");
        var (second, secondRequest) = await proxy.HoldRequestAsync("12");
        var unknown = new string('b', 32);

        var (status, body) = await proxy.First.ReplyAllAsync($$$"""
            {"replies": [
              {"id": "{{{second}}}", "code": 201, "data": {"n": 2}},
              {"id": "{{{unknown}}}", "data": "nobody asked"},
              {"id": "not-a-delivery"},
              {"id": "{{{first}}}", "data": [1]},
              {"id": "{{{second}}}", "data": "twice"}
            ]}
            """);

        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
        var results = Results(body);
        Assert.Equal([second, unknown, "not-a-delivery", first, second], results.Select(r => r.Id));
        Assert.Equal([200, 404, 404, 200, 404], results.Select(r => r.Status));
        Assert.All(results.Where(r => r.Status == 200), r => Assert.Null(r.Error));
        Assert.All(results.Where(r => r.Status == 404), r => Assert.Contains("awaiting its reply", r.Error));

        var secondAnswer = await secondRequest;
        Assert.True(secondAnswer.Code == 201, secondAnswer.ToString());
        Assert.Equal(2, secondAnswer.Body.GetProperty("messages")[0].GetProperty("data").GetProperty("n").GetInt32());
        var firstAnswer = await firstRequest;
        Assert.True(firstAnswer.Code == 200, firstAnswer.ToString());
        Assert.Equal(1, firstAnswer.Body.GetProperty("messages")[0].GetProperty("data")[0].GetInt32());
    }

    [Fact]
    public async Task Another_nodes_delivery_in_a_batch_is_404_and_stays_its_own_nodes_to_answer()
    {
        var (delivery, request) = await proxy.HoldRequestAsync("13");

        var (status, body) = await proxy.Second.ReplyAllAsync($$"""{"replies": [{"id": "{{delivery}}", "data": "not yours"}]}""");

        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
        Assert.Equal(404, Assert.Single(Results(body)).Status);
        Assert.False(request.IsCompleted, "another node's reply answered the request");
        await proxy.AnswerHeldAsync(delivery, request, 14);
    }

    [Fact]
    public async Task A_reply_in_a_batch_after_its_request_timed_out_is_410_and_the_requester_got_499()
    {
        var service = StreamProxy.Topic("batch-late");
        await using var node = await proxy.RegisterStreamingNodeAsync($$"""{"services":[{"topic":"{{service}}","group":"g","path":"/slow","timeout":1}]}""");
        node.Handle("/slow", _ => null);
        await node.ConnectAsync();

        var answer = await proxy.Control.PostAsync($"/request/{proxy.SenderId}", $$"""{"topic":"{{service}}","message":1,"timeout":30}""");

        Assert.True(answer.Code == 499, answer.ToString());
        var (status, body) = await node.ReplyAllAsync($$"""{"replies": [{"id": "{{Assert.Single(node.Requests).Id}}", "data": "too late"}]}""");
        Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
        var result = Assert.Single(Results(body));
        Assert.Equal(410, result.Status);
        Assert.Contains("499", result.Error);
    }

    public static TheoryData<string, string> MalformedBatches => new()
    {
        { "body is an array", """[{"id":"{delivery}"}]""" },
        { "body is null", "null" },
        { "replies missing", "{}" },
        { "replies empty", """{"replies":[]}""" },
        { "replies not a list", """{"replies":{"id":"{delivery}"}}""" },
        { "a reply that is null", """{"replies":[{"id":"{delivery}"},null]}""" },
        { "a reply without an id", """{"replies":[{"id":"{delivery}"},{"code":200}]}""" },
        { "an id that is a number", """{"replies":[{"id":"{delivery}"},{"id":7}]}""" },
        { "a code above 599", """{"replies":[{"id":"{delivery}"},{"id":"{delivery}","code":600}]}""" },
        { "a code as a string", """{"replies":[{"id":"{delivery}","code":"200"}]}""" },
        { "an unknown field in a reply", """{"replies":[{"id":"{delivery}","result":1}]}""" },
        { "an unknown field beside replies", """{"replies":[{"id":"{delivery}"}],"more":1}""" },
        { "a lone surrogate in data", """{"replies":[{"id":"{delivery}","data":"\udc00"}]}""" },
        { "truncated JSON", """{"replies":[{"id":"{delivery}","data":""" },
    };

    [Theory]
    [MemberData(nameof(MalformedBatches))]
    public async Task A_malformed_batch_is_400_and_takes_none_of_its_replies(string breakage, string template)
    {
        var (delivery, request) = await proxy.HoldRequestAsync("15");

        var answer = await proxy.Control.PostAsync($"/nodes/{proxy.First.Id}/replies", template.Replace("{delivery}", delivery));

        Assert.True(answer.Code == 400, $"{breakage}: {answer}");
        Assert.Equal(["status"], answer.Body.FieldNames());
        Assert.False(string.IsNullOrWhiteSpace(answer.StatusField));
        Assert.False(request.IsCompleted, $"{breakage}: the refused batch answered the request");
        await proxy.AnswerHeldAsync(delivery, request, 16);
    }

    [Fact]
    public async Task A_batch_over_the_limit_is_400_and_says_so()
    {
        var (delivery, request) = await proxy.HoldRequestAsync("17");
        var replies = string.Join(",", Enumerable.Repeat($$"""{"id":"{{delivery}}"}""", 1001));

        var answer = await proxy.Control.PostAsync($"/nodes/{proxy.First.Id}/replies", $$"""{"replies":[{{replies}}]}""");

        Assert.True(answer.Code == 400, answer.ToString());
        Assert.Contains("at most 1000", answer.StatusField);
        Assert.False(request.IsCompleted);
        await proxy.AnswerHeldAsync(delivery, request, 18);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_batch_route()
    {
        var answer = await proxy.Control.GetAnswerAsync("/swagger/v1/swagger.json");

        Assert.True(answer.Body.GetProperty("paths").TryGetProperty("/nodes/{id}/replies", out var path), "/nodes/{id}/replies is not in the document");
        var responses = path.GetProperty("post").GetProperty("responses");
        foreach (var status in new[] { 200, 400, 401, 413, 415 })
            Assert.True(responses.TryGetProperty(status.ToString(), out _), $"POST /nodes/{{id}}/replies does not document {status}");
    }

    private static List<(string Id, int Status, string? Error)> Results(string body) =>
        [.. JsonDocument.Parse(body).RootElement.GetProperty("results").EnumerateArray().Select(r => (
            r.GetProperty("id").GetString()!,
            r.GetProperty("status").GetInt32(),
            r.TryGetProperty("error", out var error) ? error.GetString() : null))];
}
