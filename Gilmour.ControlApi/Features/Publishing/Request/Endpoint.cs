using System.Diagnostics;
using System.Text.Json;
using FastEndpoints;
using Gilmour.Compositions;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Messaging;
using Gilmour.Requests;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Features.Publishing.Request;

/// <summary>
/// POST /request/{id}: a Gilmour request to a topic, or a composition of them, on behalf of node {id}. Blocks
/// until answered or timed out (code 499); the HTTP status is the highest code. A client that disconnects
/// cancels the wait.
/// </summary>
public sealed class PublishRequestEndpoint(PublishPermission permission, Requester requester, PublishTelemetry telemetry,
    IOptions<ControlApiOptions> options)
    : Endpoint<PublishRequestBody, PublishRequestResponse>
{
    /// <summary>A request whose time went on reading the node still gets this long to be answered.</summary>
    private static readonly TimeSpan MinimumLeft = TimeSpan.FromMilliseconds(1);

    private static readonly Func<ILogger, string, string, IDisposable?> PublishScope =
        LoggerMessage.DefineScope<string, string>("NodeId:{NodeId} Topic:{Topic}");

    public override void Configure()
    {
        Post("/request/{id}");
        RequestBinder(new RequestBinder<PublishRequestBody>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Send a Gilmour request, or a composition of requests, on behalf of node {id}";
            s.Description = "Exactly one of topic and composition. Blocks until answered or timed out. The HTTP status is the " +
                "highest code of the messages, and Gilmour-Answered-By says who chose it: node (a responder replied with it) or " +
                "proxy (404: nobody serves the topic; 499: no reply within the timeout). A timeout above " +
                "Gilmour:ControlApi:MaxRequestTimeoutSeconds is capped, and the answer then carries Gilmour-Timeout-Capped and " +
                "timeout_capped.";
            s.RequestExamples.Add(new RequestExample(new { Topic = "shop.price", Message = new { Sku = "A1" }, Timeout = 5 }, "request"));
            s.RequestExamples.Add(new RequestExample(new
            {
                Composition = new { Pipe = new object[] { new { Topic = "shop.price" }, new { Topic = "shop.tax", Message = new { Country = "NL" } } } },
                Message = new { Sku = "A1" },
            }, "composition"));
            s.Answers(StatusCodes.Status200OK, "the reply (several messages for parallel and recorded batch)",
                new PublishRequestResponse([new ReplyView(JsonSerializer.SerializeToElement(new { sku = "A1", price = 42 }), 200)], 200, 1),
                Refusal.BadInput("give exactly one of topic and composition"),
                new Refusal(StatusCodes.Status404NotFound,
                    "no node has this id (a request nobody serves is also 404, with the messages body and Gilmour-Answered-By: proxy)",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e not found"),
                Refusal.TooLarge,
                Refusal.NotJson,
                new Refusal(StatusCodes.Status503ServiceUnavailable, "the sending node is not ok (unavailable or dirty), or Redis is out of reach",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e is unavailable: publishing refused"));
            s.Response(499, "no reply within the timeout (Gilmour's code for a timed-out request)", "application/json",
                new PublishRequestResponse([new ReplyView(JsonSerializer.SerializeToElement("Execution timed out"), 499)], 499, 1));
            s.Response(StatusCodes.Status500InternalServerError, "the responder's handler failed (its code, not the proxy's)",
                "application/json", new PublishRequestResponse([new ReplyView(JsonSerializer.SerializeToElement("out of stock"), 500)], 500, 1));
        });
    }

    public override async Task HandleAsync(PublishRequestBody request, CancellationToken ct)
    {
        // Parsed before anything else: a bad composition is the client's mistake whatever the node's state.
        var composition = request.Composition is { } spec ? CompositionParser.Parse(spec) : null;
        var cap = options.Value.MaxRequestTimeoutSeconds;
        // A timeout over the cap is cut to it, and the answer says so: 5000 from a caller thinking in milliseconds
        // must not pass for 5000 seconds.
        double? capped = request.Timeout > cap ? cap : null;
        var timeout = request.Timeout is { } seconds ? TimeSpan.FromSeconds(Math.Min(seconds, cap)) : options.Value.DefaultRequestTimeout;
        if (capped is { } used) HttpContext.Response.Headers[TimeoutCapped.Header] = TimeoutCapped.Format(used);
        // The timeout counts from here: waiting for a Redis primary to read the node (a failover) spends it too.
        var received = Stopwatch.GetTimestamp();
        await permission.EnsureMayPublishAsync(request.Id, timeout);
        var left = timeout - Stopwatch.GetElapsedTime(received);
        if (left < MinimumLeft) left = MinimumLeft;
        var input = Payloads.OrNull(request.Message);
        var topic = request.Topic ?? PublishTelemetry.CompositionDestination;

        using var scope = PublishScope(Logger, request.Id, topic);
        using var activity = PublishTelemetry.Start(PublishTelemetry.RequestOperation, topic, request.Id);
        var started = Stopwatch.GetTimestamp();
        IReadOnlyList<Reply> replies = composition is null
            ? [await requester.RequestAsync(request.Topic!, input, left, ct, Activity.Current?.Id)]
            : await new CompositionRunner(RequestStageAsync).RunAsync(composition, input, left, ct);

        var messages = replies.Select(r => new ReplyView(Payloads.OrNull(r.Data), r.Code)).ToList();
        var code = messages.Count == 0 ? StatusCodes.Status200OK : messages.Max(m => m.Code);
        var decisive = replies.FirstOrDefault(r => r.Code == code);
        HttpContext.Response.Headers[AnsweredBy.Header] = decisive is null or { IsLocal: true } ? AnsweredBy.Proxy : AnsweredBy.Node;
        // A composition's own span only closes: each stage already counted as the Gilmour request it is.
        if (composition is null) telemetry.RecordRequest(activity, topic, code, Stopwatch.GetElapsedTime(started));
        else PublishTelemetry.Close(activity, code);
        await Send.ResponseAsync(new PublishRequestResponse(messages, code, messages.Count, capped), ReplyStatus.HttpStatusFor(code), ct);
    }

    /// <summary>One stage of a composition: a child span of the composition's, whose id the message carries.</summary>
    private async Task<Reply> RequestStageAsync(string topic, JsonElement data, TimeSpan timeout, CancellationToken ct)
    {
        using var stage = PublishTelemetry.Start(PublishTelemetry.RequestOperation, topic, Route<string>("id")!);
        var started = Stopwatch.GetTimestamp();
        var reply = await requester.RequestAsync(topic, data, timeout, ct, Activity.Current?.Id);
        telemetry.RecordRequest(stage, topic, reply.Code, Stopwatch.GetElapsedTime(started));
        return reply;
    }
}
