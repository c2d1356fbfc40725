using System.Text.Json;
using Gilmour.Compositions;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;
using static Gilmour.Core.Tests.Compositions.FakeBus;

namespace Gilmour.Core.Tests.Compositions;

/// <summary>The runner driving the real Requester against real Responders on a real redis-server.</summary>
public sealed class CompositionThroughRedisTests : IAsyncLifetime
{
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.StartAsync();

    public Task DisposeAsync() => _redis.StopAsync();

    [Fact]
    public async Task Composition_runs_as_real_gilmour_requests_and_combines_the_replies()
    {
        await using var serving = await _redis.ConnectAsync();
        await using var requesting = await _redis.ConnectAsync();
        await using var responder = new Responder(serving, new ResponderOptions { RegisterIdent = false, AnswerHealth = false });
        await responder.StartAsync();
        await responder.ReplyAsync("double", "workers",
            (request, _) => Task.FromResult(new Reply(JsonOf((request.Message.Data.GetInt32() * 2).ToString()), 200)), TimeSpan.FromSeconds(5));
        await responder.ReplyAsync("refuse", "workers",
            (_, _) => Task.FromResult(new Reply(JsonOf("\"not allowed\""), 403)), TimeSpan.FromSeconds(5));
        await responder.ReplyAsync("slow", "workers", async (_, timeout) =>
        {
            await Task.Delay(Timeout.Infinite, timeout);
            return new Reply(JsonOf("\"too late\""), 200);
        }, TimeSpan.FromSeconds(1));
        await using var requester = new Requester(requesting);
        var runner = new CompositionRunner((topic, data, timeout, cancellationToken) => requester.RequestAsync(topic, data, timeout, cancellationToken));

        var spec = JsonOf("""
            {"parallel":[
              {"pipe":[{"topic":"double"},{"topic":"double"}]},
              {"topic":"refuse"},
              {"topic":"nobody.listens.here"},
              {"oror":[{"topic":"slow","timeout":0.3},{"topic":"double"}]},
              {"batch":[{"topic":"slow","timeout":0.3}],"record":true}
            ]}
            """);
        var result = await runner.RunAsync(CompositionParser.Parse(spec), JsonOf("3"), TimeSpan.FromSeconds(10));

        Assert.Equal(5, result.Count);
        Assert.Equal((200, "12"), (result[0].Code, result[0].Data.GetRawText()));
        Assert.Equal((403, "\"not allowed\""), (result[1].Code, result[1].Data.GetRawText()));
        Assert.Equal(404, result[2].Code);
        Assert.Equal((200, "6"), (result[3].Code, result[3].Data.GetRawText()));
        Assert.Equal((499, """[{"data":"Execution timed out","code":499}]"""), (result[4].Code, result[4].Data.GetRawText()));
        Assert.Equal(JsonValueKind.Array, result[4].Data.ValueKind);
    }
}
