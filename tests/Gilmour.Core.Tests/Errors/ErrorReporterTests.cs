using System.Text.Json;
using System.Text.RegularExpressions;
using Gilmour.Core.Tests.Support;
using Gilmour.Errors;
using Gilmour.Protocol;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;

namespace Gilmour.Core.Tests.Errors;

public sealed class ErrorReporterTests
{
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(30);
    private static readonly FixedClock Clock = new(new DateTimeOffset(2026, 11, 28, 16, 53, 45, TimeSpan.Zero));
    private static readonly ErrorReport Report =
        new(503, "gilmour.request.x", JsonText.Element("""{"x":1,"name":"é"}"""), "4f1c2d0e9a8b7c6d5e4f3a2b1c0d9e8f", "boom\n  at line 2");

    [Fact]
    public async Task Publish_policy_publishes_rubys_wrapped_report_on_gilmour_error()
    {
        await using var bus = await Bus.StartAsync();
        var listener = await bus.RawAsync();
        await listener.SubscribeAsync("gilmour.error");
        var reporter = new ErrorReporter(await bus.ConnectAsync(), ErrorPolicy.Publish, Clock);

        await reporter.ReportAsync(Report);

        var (_, payload) = await listener.NextMessageAsync();
        var text = JsonText.FromUtf8(payload);
        var wrapperSender = Regex.Match(text, "\"sender\":\"([0-9a-f]{32})\"}$").Groups[1].Value;
        Assert.Equal(
            $$"""{"data":{"code":503,"topic":"gilmour.request.x","request_data":"{\"x\":1,\"name\":\"é\"}","userdata":"{}","sender":"4f1c2d0e9a8b7c6d5e4f3a2b1c0d9e8f","multi_process":false,"backtrace":"boom\n  at line 2","timestamp":"2026-11-28 16:53:45 UTC"},"code":0,"sender":"{{wrapperSender}}"}""",
            text);
        Assert.NotEqual("", wrapperSender);
    }

    [Fact]
    public async Task Queue_policy_pushes_gos_report_on_gilmour_errorqueue()
    {
        await using var bus = await Bus.StartAsync();
        var reporter = new ErrorReporter(await bus.ConnectAsync(), ErrorPolicy.Queue, Clock);
        var admin = await bus.RawAsync();

        await reporter.ReportAsync(Report);

        Assert.Equal(
            """{"topic":"gilmour.request.x","request_data":"{\"x\":1,\"name\":\"é\"}","user_data":"","sender":"4f1c2d0e9a8b7c6d5e4f3a2b1c0d9e8f","multi_process":false,"timestamp":"2026-11-28T16:53:45Z","backtrace":"boom\n  at line 2","code":503}""",
            RespClient.Text(await admin.CommandAsync("LINDEX", "gilmour.errorqueue", "0")));
    }

    [Fact]
    public async Task Error_queue_is_trimmed_to_its_newest_10000_reports()
    {
        await using var bus = await Bus.StartAsync();
        var reporter = new ErrorReporter(await bus.ConnectAsync(), ErrorPolicy.Queue, Clock);
        var admin = await bus.RawAsync();

        const int Reports = 10_005;
        foreach (var chunk in Enumerable.Range(0, Reports).Chunk(500))
            await Task.WhenAll(chunk.Select(n => reporter.ReportAsync(Report with { Code = 500, Sender = $"s{n}" })));
        await reporter.ReportAsync(Report with { Sender = "newest" });

        Assert.Equal(10_000L, await admin.CommandAsync("LLEN", "gilmour.errorqueue"));
        var newest = JsonElement.Parse(RespClient.Text(await admin.CommandAsync("LINDEX", "gilmour.errorqueue", "0")));
        Assert.Equal("newest", newest.GetProperty("sender").GetString());
    }

    [Fact]
    public async Task Ignore_policy_writes_nothing()
    {
        await using var bus = await Bus.StartAsync();
        var listener = await bus.RawAsync();
        await listener.SubscribeAsync("gilmour.error");
        var reporter = new ErrorReporter(await bus.ConnectAsync(), ErrorPolicy.Ignore, Clock);
        var admin = await bus.RawAsync();

        await reporter.ReportAsync(Report);
        await admin.CommandAsync("PUBLISH", "gilmour.error", "marker");

        Assert.Equal("marker", JsonText.FromUtf8((await listener.NextMessageAsync()).Payload));
        Assert.Equal(0L, await admin.CommandAsync("EXISTS", "gilmour.errorqueue"));
    }

    [Fact]
    public async Task Responder_reports_a_reply_with_code_300_or_more_but_not_a_success()
    {
        await using var bus = await Bus.StartAsync();
        var listener = await bus.RawAsync();
        await listener.SubscribeAsync("gilmour.error");
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("fine", "g", (_, _) => Task.FromResult(new Reply(JsonText.Element("\"ok\""), 200)), Generous);
        await responder.ReplyAsync("refuse", "g", (_, _) => Task.FromResult(new Reply(JsonText.Element("""{"why":"closed"}"""), 503)), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        Assert.Equal(200, (await requester.RequestAsync("fine", JsonText.Element("1"), Generous)).Code);
        Assert.Equal(503, (await requester.RequestAsync("refuse", JsonText.Element("""{"q":[1,2]}"""), Generous)).Code);

        var report = await NextReportAsync(listener);
        Assert.Equal(503, report.GetProperty("code").GetInt32());
        Assert.Equal("gilmour.request.refuse", report.GetProperty("topic").GetString());
        Assert.Equal("""{"q":[1,2]}""", report.GetProperty("request_data").GetString());
        Assert.Equal("""{"why":"closed"}""", report.GetProperty("backtrace").GetString());
        Assert.Matches(@"^[0-9a-f]{32}\.[0-9a-f]+$", report.GetProperty("sender").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$", report.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task Responder_reports_a_timed_out_reply_and_a_handler_failure()
    {
        await using var bus = await Bus.StartAsync();
        var listener = await bus.RawAsync();
        await listener.SubscribeAsync("gilmour.error");
        await using var responder = new Responder(await bus.ConnectAsync());
        await responder.ReplyAsync("slow", "g", async (_, timeout) =>
        {
            await Task.Delay(Timeout.Infinite, timeout);
            return new Reply(default, 200);
        }, TimeSpan.FromMilliseconds(100));
        await responder.ReplyAsync("crash", "g", (_, _) => throw new InvalidOperationException("kaput"), Generous);
        await using var requester = new Requester(await bus.ConnectAsync());

        Assert.Equal(499, (await requester.RequestAsync("slow", JsonText.Element("1"), Generous)).Code);
        var timedOut = await NextReportAsync(listener);
        Assert.Equal(500, (await requester.RequestAsync("crash", JsonText.Element("1"), Generous)).Code);
        var crashed = await NextReportAsync(listener);

        Assert.Equal((499, "gilmour.request.slow", "Execution timed out"),
            (timedOut.GetProperty("code").GetInt32(), timedOut.GetProperty("topic").GetString(), timedOut.GetProperty("backtrace").GetString()));
        Assert.Equal((500, "gilmour.request.crash"), (crashed.GetProperty("code").GetInt32(), crashed.GetProperty("topic").GetString()));
        Assert.Contains("System.InvalidOperationException: kaput", crashed.GetProperty("backtrace").GetString());
    }

    [Fact]
    public async Task Responder_reports_failing_and_timed_out_slots_in_the_queue_policy()
    {
        await using var bus = await Bus.StartAsync();
        await using var responder = new Responder(await bus.ConnectAsync(), new ResponderOptions { ErrorPolicy = ErrorPolicy.Queue });
        await responder.SlotAsync("jobs.*", null, (message, _) =>
            message.Topic == "jobs.fail" ? throw new ArgumentException("no such job") : Task.CompletedTask, Generous);
        // Only the slot that must time out has a short timeout: a slow machine could time out a quick one too.
        await responder.SlotAsync("stuck.*", null, (_, timeout) => Task.Delay(Timeout.Infinite, timeout), TimeSpan.FromMilliseconds(200));
        await using var requester = new Requester(await bus.ConnectAsync());
        var admin = await bus.RawAsync();

        await requester.SignalAsync("jobs.ok", JsonText.Element("1"));
        var failing = await requester.SignalAsync("jobs.fail", JsonText.Element("2"));
        var hanging = await requester.SignalAsync("stuck.hang", JsonText.Element("3"));

        await Eventually.HoldsAsync(async () => (long)(await admin.CommandAsync("LLEN", "gilmour.errorqueue"))! == 2, Generous);
        var reports = ((object?[])(await admin.CommandAsync("LRANGE", "gilmour.errorqueue", "0", "-1"))!)
            .Select(item => JsonElement.Parse(RespClient.Text(item)))
            .ToDictionary(report => report.GetProperty("sender").GetString()!);
        Assert.Equal(500, reports[failing].GetProperty("code").GetInt32());
        Assert.Equal("gilmour.slot.jobs.fail", reports[failing].GetProperty("topic").GetString());
        Assert.Equal("2", reports[failing].GetProperty("request_data").GetString());
        Assert.Contains("no such job", reports[failing].GetProperty("backtrace").GetString());
        Assert.Equal(499, reports[hanging].GetProperty("code").GetInt32());
        Assert.Equal("gilmour.slot.stuck.hang", reports[hanging].GetProperty("topic").GetString());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", reports[hanging].GetProperty("timestamp").GetString());
    }

    private static async Task<JsonElement> NextReportAsync(RespClient listener)
    {
        var message = MessageCodec.Decode((await listener.NextMessageAsync()).Payload);
        Assert.Equal(0, message.Code);
        return message.Data;
    }
}
