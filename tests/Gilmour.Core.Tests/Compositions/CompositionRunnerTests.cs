using System.Text.Json;
using Gilmour.Compositions;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Testing;
using static Gilmour.Core.Tests.Compositions.FakeBus;

namespace Gilmour.Core.Tests.Compositions;

public sealed class CompositionRunnerTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    private readonly FakeBus _bus = new FakeBus()
        .On("echo", data => new Reply(data, Codes.Ok))
        .On("double", data => Ok((data.GetInt32() * 2).ToString()))
        .On("fail", _ => Failed(500, "\"handler failed\""))
        .On("unavailable", _ => Failed(503, "\"unavailable\""));

    private Task<IReadOnlyList<Reply>> RunAsync(string composition, string input, TimeSpan? timeout = null,
        TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        var runner = clock is null ? new CompositionRunner(_bus.SendAsync) : new CompositionRunner(_bus.SendAsync, clock);
        return runner.RunAsync(CompositionParser.Parse(JsonOf(composition)), JsonOf(input), timeout ?? Long, cancellationToken);
    }

    private static string Text(Reply reply) => reply.Data.GetRawText();

    [Fact]
    public async Task Pipe_hands_each_stage_the_previous_stage_output()
    {
        var result = await RunAsync("""{"pipe":[{"topic":"double"},{"topic":"double"},{"topic":"double"}]}""", "3");

        var only = Assert.Single(result);
        Assert.Equal((200, "24"), (only.Code, Text(only)));
        Assert.Equal(["3", "6", "12"], _bus.Sent.Select(s => s.Data));
    }

    [Fact]
    public async Task Compose_runs_as_a_pipe()
    {
        var result = await RunAsync("""{"compose":[{"topic":"double"},{"topic":"double"}]}""", "5");

        Assert.Equal("20", Text(Assert.Single(result)));
    }

    [Fact]
    public async Task Stage_message_is_merged_into_an_object_input_with_the_stage_keys_winning()
    {
        await RunAsync("""{"pipe":[{"topic":"echo"},{"topic":"echo","message":{"b":3,"c":{"deep":true}}}]}""", """{"a":1,"b":2}""");

        Assert.Equal(["""{"a":1,"b":2}""", """{"a":1,"b":3,"c":{"deep":true}}"""], _bus.Sent.Select(s => s.Data));
    }

    [Fact]
    public async Task Merge_is_shallow_a_nested_object_of_the_stage_replaces_the_input_one()
    {
        await RunAsync("""{"andand":[{"topic":"echo","message":{"o":{"y":2}}}]}""", """{"o":{"x":1},"keep":true}""");

        Assert.Equal("""{"o":{"y":2},"keep":true}""", Assert.Single(_bus.Sent).Data);
    }

    [Theory]
    [InlineData("5", """{"x":1}""", """{"x":1}""")]
    [InlineData("""{"a":1}""", "\"text\"", "\"text\"")]
    [InlineData("""{"a":1}""", "[1,2]", "[1,2]")]
    [InlineData("null", """{"x":1}""", """{"x":1}""")]
    public async Task Stage_message_replaces_an_input_it_cannot_merge_with(string input, string message, string expected)
    {
        await RunAsync($$"""{"pipe":[{"topic":"echo","message":{{message}}}]}""", input);

        Assert.Equal(expected, Assert.Single(_bus.Sent).Data);
    }

    [Fact]
    public async Task Stage_without_a_message_gets_its_input_unchanged()
    {
        await RunAsync("""{"batch":[{"topic":"echo"},{"topic":"echo","message":null}]}""", """{"a":[1,2]}""");

        Assert.All(_bus.Sent, s => Assert.Equal("""{"a":[1,2]}""", s.Data));
    }

    [Fact]
    public async Task Pipe_stops_at_the_first_failure_and_returns_it()
    {
        var result = await RunAsync("""{"pipe":[{"topic":"double"},{"topic":"fail"},{"topic":"double"}]}""", "1");

        var only = Assert.Single(result);
        Assert.Equal((500, "\"handler failed\""), (only.Code, Text(only)));
        Assert.Equal(["double", "fail"], _bus.SentTopics);
    }

    [Fact]
    public async Task Andand_gives_every_stage_the_composition_input_and_returns_the_last_result()
    {
        var result = await RunAsync("""{"andand":[{"topic":"double"},{"topic":"double"}]}""", "4");

        Assert.Equal("8", Text(Assert.Single(result)));
        Assert.Equal(["4", "4"], _bus.Sent.Select(s => s.Data));
    }

    [Fact]
    public async Task Andand_stops_at_the_first_failure_and_returns_it()
    {
        var result = await RunAsync("""{"andand":[{"topic":"echo"},{"topic":"unavailable"},{"topic":"echo"}]}""", "1");

        Assert.Equal(503, Assert.Single(result).Code);
        Assert.Equal(["echo", "unavailable"], _bus.SentTopics);
    }

    [Fact]
    public async Task Oror_goes_on_after_failures_and_stops_at_the_first_success()
    {
        var result = await RunAsync("""{"oror":[{"topic":"fail"},{"topic":"missing"},{"topic":"double"},{"topic":"echo"}]}""", "7");

        var only = Assert.Single(result);
        Assert.Equal((200, "14"), (only.Code, Text(only)));
        Assert.Equal(["fail", "missing", "double"], _bus.SentTopics);
        Assert.All(_bus.Sent, s => Assert.Equal("7", s.Data));
    }

    [Fact]
    public async Task Oror_without_any_success_returns_the_last_failure()
    {
        var result = await RunAsync("""{"oror":[{"topic":"fail"},{"topic":"missing"}]}""", "1");

        Assert.Equal(404, Assert.Single(result).Code);
        Assert.Equal(["fail", "missing"], _bus.SentTopics);
    }

    [Fact]
    public async Task Batch_runs_every_stage_despite_failures_and_returns_the_last_result()
    {
        var result = await RunAsync("""{"batch":[{"topic":"fail"},{"topic":"double"},{"topic":"unavailable"}]}""", "2");

        Assert.Equal(503, Assert.Single(result).Code);
        Assert.Equal(["fail", "double", "unavailable"], _bus.SentTopics);
    }

    [Fact]
    public async Task Recorded_batch_returns_every_result_in_stage_order()
    {
        var result = await RunAsync("""{"batch":[{"topic":"fail"},{"topic":"double"},{"topic":"echo"}],"record":true}""", "2");

        Assert.Equal([(500, "\"handler failed\""), (200, "4"), (200, "2")], result.Select(r => (r.Code, Text(r))));
    }

    [Fact]
    public async Task Parallel_runs_its_stages_at_the_same_time_and_returns_every_result_in_stage_order()
    {
        // Every stage waits until all three have started: run one after another, they would never finish.
        var started = 0;
        var allStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<JsonElement, TimeSpan, CancellationToken, Task<Reply>> meet(int code, string answer, int finishDelayMs) => async (_, _, ct) =>
        {
            if (Interlocked.Increment(ref started) == 3) allStarted.SetResult();
            await allStarted.Task.WaitAsync(ct);
            await Task.Delay(finishDelayMs, ct);
            return Failed(code, answer);
        };
        _bus.On("a", meet(200, "\"a\"", 60)).On("b", meet(503, "\"b\"", 0)).On("c", meet(200, "\"c\"", 30));

        var result = await RunAsync("""{"parallel":[{"topic":"a"},{"topic":"b"},{"topic":"c"}]}""", "null", TimeSpan.FromSeconds(10))
            .WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([(200, "\"a\""), (503, "\"b\""), (200, "\"c\"")], result.Select(r => (r.Code, Text(r))));
        Assert.Equal(503, result.Max(r => r.Code));
    }

    [Fact]
    public async Task Parallel_gives_every_stage_the_composition_input_merged_with_its_message()
    {
        await RunAsync("""{"parallel":[{"topic":"echo","message":{"n":1}},{"topic":"echo","message":{"n":2}}]}""", """{"user":"u"}""");

        Assert.Equal(["""{"user":"u","n":1}""", """{"user":"u","n":2}"""], _bus.Sent.Select(s => s.Data).Order());
    }

    [Fact]
    public async Task Nested_list_result_is_handed_on_as_one_array_message_with_the_maximum_code()
    {
        var result = await RunAsync("""
            {"batch":[
              {"parallel":[{"topic":"double"},{"topic":"unavailable"}]},
              {"pipe":[{"parallel":[{"topic":"double"},{"topic":"echo"}]},{"topic":"echo"}]}
            ],"record":true}
            """, "3");

        Assert.Equal(2, result.Count);
        Assert.Equal((503, """[{"data":6,"code":200},{"data":"unavailable","code":503}]"""), (result[0].Code, Text(result[0])));
        // The pipe's second stage received the nested parallel's array as its input.
        Assert.Equal((200, """[{"data":6,"code":200},{"data":3,"code":200}]"""), (result[1].Code, Text(result[1])));
    }

    [Fact]
    public async Task Pipe_stops_after_a_nested_list_whose_maximum_code_is_a_failure()
    {
        var result = await RunAsync("""{"pipe":[{"parallel":[{"topic":"echo"},{"topic":"fail"}]},{"topic":"echo"}]}""", "1");

        Assert.Equal(500, Assert.Single(result).Code);
        Assert.Equal(2, _bus.Sent.Count);
    }

    [Fact]
    public async Task Nested_single_result_composition_contributes_its_one_result()
    {
        var result = await RunAsync("""{"parallel":[{"oror":[{"topic":"fail"},{"topic":"double"}]},{"andand":[{"topic":"echo"},{"topic":"fail"}]}]}""", "5");

        Assert.Equal([(200, "10"), (500, "\"handler failed\"")], result.Select(r => (r.Code, Text(r))));
    }

    [Fact]
    public async Task Compositions_nested_to_the_maximum_depth_run()
    {
        var spec = """{"topic":"double"}""";
        for (var i = 0; i < CompositionParser.MaxDepth; i++) spec = $$"""{"pipe":[{{spec}}]}""";
        var document = JsonDocument.Parse(spec, new JsonDocumentOptions { MaxDepth = 1000 });

        var result = await new CompositionRunner(_bus.SendAsync).RunAsync(CompositionParser.Parse(document.RootElement), JsonOf("21"), Long);

        Assert.Equal("42", Text(Assert.Single(result)));
    }

    [Fact]
    public async Task Stage_timeout_is_capped_by_what_remains_of_the_deadline()
    {
        var clock = new ManualClock();
        _bus.On("slow", (data, _, _) =>
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            return Task.FromResult(new Reply(data, Codes.Ok));
        });

        await RunAsync("""{"pipe":[{"topic":"slow"},{"topic":"echo","timeout":10},{"topic":"echo","timeout":1.5},{"topic":"echo"}]}""",
            "1", TimeSpan.FromSeconds(5), clock);

        Assert.Equal([5, 3, 1.5, 3], _bus.Sent.Select(s => s.Timeout.TotalSeconds));
    }

    [Fact]
    public async Task Stages_after_the_deadline_get_499_without_being_sent()
    {
        var clock = new ManualClock();
        _bus.On("slow", (data, _, _) =>
        {
            clock.Advance(TimeSpan.FromSeconds(6));
            return Task.FromResult(new Reply(data, Codes.Ok));
        });

        var result = await RunAsync("""{"batch":[{"topic":"slow"},{"topic":"echo"},{"parallel":[{"topic":"echo"}]}],"record":true}""",
            "1", TimeSpan.FromSeconds(5), clock);

        Assert.Equal([(200, "1"), (499, "\"Execution timed out\""), (499, """[{"data":"Execution timed out","code":499}]""")],
            result.Select(r => (r.Code, Text(r))));
        Assert.Equal(["slow"], _bus.SentTopics);
    }

    [Fact]
    public async Task Sender_that_ignores_its_timeout_is_cut_off_with_499()
    {
        _bus.On("hang", async (_, _, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Ok("null");
        });

        var result = await RunAsync("""{"oror":[{"topic":"hang","timeout":0.2}]}""", "1").WaitAsync(TimeSpan.FromSeconds(10));

        var only = Assert.Single(result);
        Assert.Equal((499, "\"Execution timed out\""), (only.Code, Text(only)));
    }

    [Fact]
    public async Task Cancellation_by_the_caller_ends_the_run()
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _bus.On("hang", async (_, _, ct) =>
        {
            sent.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return Ok("null");
        });
        using var cancel = new CancellationTokenSource();

        var running = RunAsync("""{"pipe":[{"topic":"hang"},{"topic":"echo"}]}""", "1", cancellationToken: cancel.Token);
        await sent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        cancel.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(["hang"], _bus.SentTopics);
    }
}
