using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using Xunit.Abstractions;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// Replies and streams that must be refused: each gets a clear <c>{"status"}</c> answer with the right 4xx, never a
/// 500; nothing dies, nothing that was pending is answered by them, and the node's stream stays usable.
/// </summary>
[Collection(StreamingCollection.Name)]
public sealed class StreamBadInputTests(StreamBadInputFixture proxy, ITestOutputHelper output) : IClassFixture<StreamBadInputFixture>
{
    private const int FuzzCalls = 10_000;
    private const int Seed = 20261214;

    public static TheoryData<string, string, int> MalformedReplies => new()
    {
        { "truncated JSON", """{"code":200,"data":""", 400 },
        { "empty body", "", 400 },
        { "code as a string", """{"code":"200"}""", 400 },
        { "code as a fraction", """{"code":200.5}""", 400 },
        { "code below 200", """{"code":199}""", 400 },
        { "code above 599", """{"code":600}""", 400 },
        { "duplicate data", """{"data":1,"data":2}""", 400 },
        { "unknown field", """{"code":200,"result":1}""", 400 },
        { "body is an array", """[{"code":200}]""", 400 },
        { "body is a string", "\"ok\"", 400 },
        { "body is null", "null", 400 },
        { "lone surrogate in data", """{"data":"\udc00"}""", 400 },
        { "not JSON", "code=200", 400 },
    };

    [Theory]
    [MemberData(nameof(MalformedReplies))]
    public async Task Malformed_reply_is_refused_and_the_delivery_stays_pending(string breakage, string body, int status)
    {
        var (delivery, request) = await proxy.HoldRequestAsync("1");

        var answer = await proxy.Control.PostAsync($"/nodes/{proxy.First.Id}/replies/{delivery}", body);

        Assert.True(answer.Code == status, $"{breakage}: {answer}");
        Assert.Equal(["status"], answer.Body.FieldNames());
        Assert.False(string.IsNullOrWhiteSpace(answer.StatusField));
        Assert.False(request.IsCompleted, $"{breakage}: the refused reply answered the request");
        await proxy.AnswerHeldAsync(delivery, request, 7);
    }

    [Fact]
    public async Task Replies_to_deliveries_that_are_not_the_nodes_to_answer_get_404()
    {
        var (delivery, request) = await proxy.HoldRequestAsync("2");
        var first = proxy.First.Id;

        // Never sent to this node: another node's pending delivery, an unknown one, one that is not even an id.
        await AssertRefusedAsync($"/nodes/{proxy.Second.Id}/replies/{delivery}", 404, "another node's delivery");
        await AssertRefusedAsync($"/nodes/{first}/replies/{new string('a', 32)}", 404, "unknown delivery");
        await AssertRefusedAsync($"/nodes/{first}/replies/not-an-id", 404, "malformed delivery id");
        await AssertRefusedAsync($"/nodes/{Guid.NewGuid()}/replies/{delivery}", 404, "unknown node");
        await AssertRefusedAsync($"/nodes/{proxy.CallbackNodeId}/replies/{delivery}", 404, "a callback node");
        Assert.False(request.IsCompleted);

        await proxy.AnswerHeldAsync(delivery, request, 8);
        await AssertRefusedAsync($"/nodes/{first}/replies/{delivery}", 404, "answered already");
    }

    [Fact]
    public async Task Stream_for_a_node_that_does_not_dial_out_is_409_and_for_an_unknown_node_404()
    {
        foreach (var (id, status, why) in new[]
        {
            (proxy.CallbackNodeId, 409, "a callback node"), (proxy.SenderId, 409, "a sender"),
            (Guid.NewGuid().ToString(), 404, "an unknown node"), ("not-a-uuid", 404, "a malformed id"),
        })
        {
            var answer = await proxy.Control.GetAnswerAsync($"/nodes/{id}/stream");
            Assert.True(answer.Code == status, $"{why}: {answer}");
            Assert.Equal(["status"], answer.Body.FieldNames());
        }
        Assert.Contains("transport callback", (await proxy.Control.GetAnswerAsync($"/nodes/{proxy.CallbackNodeId}/stream")).StatusField);
    }

    public static TheoryData<string, string> BadRegistrations => new()
    {
        { "unknown transport", """{"transport":"websocket"}""" },
        { "transport as a number", """{"transport":1}""" },
        { "stream with a port", """{"transport":"stream","port":8080}""" },
        { "stream with a host", """{"transport":"stream","host":"127.0.0.1"}""" },
        { "stream with a health_check", """{"transport":"stream","health_check":"/health"}""" },
        { "sender with a port", """{"transport":"none","port":8080}""" },
        { "sender with slots", """{"transport":"none","slots":[{"topic":"t","path":"/p"}]}""" },
        { "sender with empty services", """{"transport":"none","services":[]}""" },
        { "callback without a port", """{"transport":"callback"}""" },
    };

    [Theory]
    [MemberData(nameof(BadRegistrations))]
    public async Task Registration_breaking_its_transports_rules_is_400_and_stores_nothing(string breakage, string body)
    {
        var before = (await proxy.Control.GetAnswerAsync("/nodes")).Body.GetProperty("nodes").GetArrayLength();

        var answer = await proxy.Control.PostAsync("/nodes", body);

        Assert.True(answer.Code == 400, $"{breakage}: {answer}");
        Assert.Equal(["status"], answer.Body.FieldNames());
        Assert.Equal(before, (await proxy.Control.GetAnswerAsync("/nodes")).Body.GetProperty("nodes").GetArrayLength());
    }

    [Fact]
    public async Task A_sender_may_not_be_given_slots_or_services()
    {
        foreach (var kind in new[] { "slots", "services" })
        {
            var answer = await proxy.Control.PostAsync($"/nodes/{proxy.SenderId}/{kind}", """{"topic":"bad.sender","group":"g","path":"/p"}""");
            Assert.True(answer.Code == 400, $"{kind}: {answer}");
            Assert.Contains("transport none", answer.StatusField);
        }
    }

    [Fact]
    public async Task Ten_thousand_hostile_replies_get_4xx_answers_kill_nothing_and_leave_the_stream_usable()
    {
        var (delivery, request) = await proxy.HoldRequestAsync("3");
        var calls = new HostileReplies(Seed, proxy.First.Id, proxy.Second.Id, delivery).Take(FuzzCalls).ToList();
        var byStatus = new ConcurrentDictionary<int, int>();
        var wrong = new ConcurrentQueue<string>();
        using var http = new HttpClient { BaseAddress = proxy.Control.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        await Parallel.ForEachAsync(calls, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (call, ct) =>
        {
            Answer answer;
            try
            {
                answer = await http.CallAsync(HttpMethod.Post, call.Path, call.Body, call.ContentType, cancellationToken: ct);
            }
            catch (HttpRequestException e)
            {
                wrong.Enqueue($"{call}: no answer ({e.Message})");
                byStatus.AddOrUpdate(0, 1, (_, n) => n + 1);
                return;
            }
            byStatus.AddOrUpdate(answer.Code, 1, (_, n) => n + 1);
            if (answer.Code is < 400 or >= 500 || string.IsNullOrWhiteSpace(answer.StatusField))
                wrong.Enqueue($"{call}: {answer.Code} {(answer.Raw.Length <= 200 ? answer.Raw : answer.Raw[..200])}");
        });

        output.WriteLine($"seed {Seed}: " + string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}")));
        Assert.True(wrong.IsEmpty, $"{wrong.Count} of {FuzzCalls} replies were not refused with a 4xx {{status}} answer; first ones:\n" +
            string.Join("\n", wrong.Take(10)));
        Assert.All(proxy.Harness.Services, service => Assert.False(service.HasExited, $"{service.Name} died:\n{service.Output}"));
        Assert.False(request.IsCompleted, "a hostile reply answered the pending request");
        Assert.True(proxy.First.Reading, "the node's stream ended");
        // The pending delivery is still the node's to answer, and the stream still carries new requests.
        await proxy.AnswerHeldAsync(delivery, request, 9);
        var echoed = await proxy.Control.PostAsync($"/request/{proxy.SenderId}",
            $$"""{"topic":"{{StreamBadInputFixture.Echoed}}","message":"still here","timeout":20}""");
        Assert.True(echoed.Code == 200, echoed.ToString());
        Assert.Equal("still here", echoed.Body.GetProperty("messages")[0].GetProperty("data").GetString());
    }

    [Theory]
    [InlineData("get", "/nodes/{id}/stream", new[] { 401, 404, 409, 503 })]
    [InlineData("post", "/nodes/{id}/replies/{delivery}", new[] { 400, 401, 404, 410, 413 })]
    public async Task The_openapi_document_describes_the_streaming_routes_and_their_errors(string method, string route, int[] errors)
    {
        var answer = await proxy.Control.GetAnswerAsync("/swagger/v1/swagger.json");

        Assert.True(answer.Body.GetProperty("paths").TryGetProperty(route, out var path), $"{route} is not in the document");
        var responses = path.GetProperty(method).GetProperty("responses");
        foreach (var status in errors)
            Assert.True(responses.TryGetProperty(status.ToString(), out _), $"{method} {route} does not document {status}");
    }

    private async Task AssertRefusedAsync(string path, int status, string why)
    {
        var answer = await proxy.Control.CallAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes("""{"code":200,"data":"not yours"}"""));
        Assert.True(answer.Code == status, $"{why}: {answer}");
        Assert.Equal(["status"], answer.Body.FieldNames());
        Assert.False(string.IsNullOrWhiteSpace(answer.StatusField));
    }
}
