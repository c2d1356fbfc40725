using System.Diagnostics;
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
    public override void Configure()
    {
        Post("/request/{id}");
        RequestBinder(new RequestBinder<PublishRequestRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
    }

    public override async Task HandleAsync(PublishRequestRequest request, CancellationToken ct)
    {
        // Parsed before anything else: a bad composition is the client's mistake whatever the node's state.
        var composition = request.Composition is { } spec ? CompositionParser.Parse(spec) : null;
        await publisher.EnsureMayPublishAsync(request.Id);

        var timeout = request.Timeout is { } seconds
            ? TimeSpan.FromSeconds(Math.Min(seconds, options.Value.MaxRequestTimeoutSeconds))
            : options.Value.DefaultRequestTimeout;
        var input = Payloads.OrNull(request.Message);
        var traceparent = Activity.Current?.Id;

        IReadOnlyList<Reply> replies = composition is null
            ? [await requester.RequestAsync(request.Topic!, input, timeout, ct, traceparent)]
            : await new CompositionRunner((topic, data, stageTimeout, token) =>
                    requester.RequestAsync(topic, data, stageTimeout, token, traceparent))
                .RunAsync(composition, input, timeout, ct);

        var messages = replies.Select(r => new ReplyView(Payloads.OrNull(r.Data), r.Code)).ToList();
        var code = messages.Count == 0 ? StatusCodes.Status200OK : messages.Max(m => m.Code);
        await Send.ResponseAsync(new PublishRequestResponse(messages, code, messages.Count), ReplyStatus.HttpStatusFor(code), ct);
    }
}
