using System.Diagnostics;
using System.Text.Json;
using FastEndpoints;
using Gilmour.Compositions;
using Gilmour.ControlApi.Publishing;
using Gilmour.Requests;
using Microsoft.Extensions.Options;

namespace Gilmour.ControlApi.Features.Publishing.Request;

/// <summary>
/// POST /request/{id}: a Gilmour request to a topic, or a composition of them, on behalf of node {id}. Blocks
/// until answered or timed out (code 499); the HTTP status is the highest code. A client that disconnects
/// cancels the wait.
/// </summary>
public sealed class PublishRequestEndpoint(Publisher publisher, Requester requester, IOptions<ControlApiOptions> options)
    : Endpoint<PublishRequestRequest, PublishRequestResponse>
{
    /// <summary>A request whose time went on reading the node still gets this long to be answered.</summary>
    private static readonly TimeSpan MinimumLeft = TimeSpan.FromMilliseconds(1);

    private static readonly Func<ILogger, string, string, IDisposable?> PublishScope =
        LoggerMessage.DefineScope<string, string>("NodeId:{NodeId} Topic:{Topic}");

    public override void Configure()
    {
        Post("/request/{id}");
        RequestBinder(new RequestBinder<PublishRequestRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
    }

    public override async Task HandleAsync(PublishRequestRequest request, CancellationToken ct)
    {
        // Parsed before anything else: a bad composition is the client's mistake whatever the node's state.
        var composition = request.Composition is { } spec ? CompositionParser.Parse(spec) : null;
        var timeout = request.Timeout is { } seconds
            ? TimeSpan.FromSeconds(Math.Min(seconds, options.Value.MaxRequestTimeoutSeconds))
            : options.Value.DefaultRequestTimeout;
        // The timeout counts from here: waiting for a Redis primary to read the node (a failover) spends it too.
        var received = Stopwatch.GetTimestamp();
        await publisher.EnsureMayPublishAsync(request.Id, timeout);
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
        // A composition's own span only closes: each stage already counted as the Gilmour request it is.
        if (composition is null) PublishTelemetry.RecordRequest(activity, topic, code, Stopwatch.GetElapsedTime(started));
        else PublishTelemetry.Close(activity, code);
        await Send.ResponseAsync(new PublishRequestResponse(messages, code, messages.Count), ReplyStatus.HttpStatusFor(code), ct);
    }

    /// <summary>One stage of a composition: a child span of the composition's, whose id the message carries.</summary>
    private async Task<Reply> RequestStageAsync(string topic, JsonElement data, TimeSpan timeout, CancellationToken ct)
    {
        using var stage = PublishTelemetry.Start(PublishTelemetry.RequestOperation, topic, Route<string>("id")!);
        var started = Stopwatch.GetTimestamp();
        var reply = await requester.RequestAsync(topic, data, timeout, ct, Activity.Current?.Id);
        PublishTelemetry.RecordRequest(stage, topic, reply.Code, Stopwatch.GetElapsedTime(started));
        return reply;
    }
}
