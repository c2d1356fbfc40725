using System.Diagnostics;
using FastEndpoints;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Messaging;
using Gilmour.Failover;
using Gilmour.Requests;

namespace Gilmour.ControlApi.Features.Publishing.Signal;

/// <summary>POST /signal/{id}: a Gilmour signal (every slot on the topic gets it) on behalf of node {id}.</summary>
public sealed class PublishSignalEndpoint(PublishPermission permission, Requester requester, PublishTelemetry telemetry)
    : Endpoint<PublishSignalBody, PublishSignalResponse>
{
    private static readonly Func<ILogger, string, string, IDisposable?> PublishScope =
        LoggerMessage.DefineScope<string, string>("NodeId:{NodeId} Topic:{Topic}");

    public override void Configure()
    {
        Post("/signal/{id}");
        RequestBinder(new RequestBinder<PublishSignalBody>(BindingSource.JsonBody | BindingSource.RouteValues));
        Summary(s =>
        {
            s.Summary = "Send a Gilmour signal on behalf of node {id}";
            s.Description = "Every slot on the topic gets it (a grouped slot once per exclusion group); nothing is replied. A " +
                "signal nobody listens to is not an error.";
            s.ExampleRequest = new { Topic = "shop.events.sold", Message = new { Sku = "A1", Quantity = 2 } };
            s.Answers(StatusCodes.Status200OK, "published, with the sender it went out with",
                new PublishSignalResponse("ok", "6f1c2d0e9a8b7c6d5e4f3a2b1c0d9e8f.1"),
                Refusal.BadInput("topic may not contain '*': publish to a concrete topic (wildcards are for slots)"),
                Refusal.UnknownNode,
                Refusal.TooLarge,
                Refusal.NotJson,
                new Refusal(StatusCodes.Status503ServiceUnavailable, "the sending node is not ok (unavailable or dirty), or Redis is out of reach",
                    "node 0f8fad5b-d9cb-469f-a165-70867728950e is dirty: publishing refused"));
        });
    }

    public override async Task HandleAsync(PublishSignalBody request, CancellationToken ct)
    {
        // One wait for a Redis primary (a failover) covers both reading the node and publishing.
        var received = Stopwatch.GetTimestamp();
        await permission.EnsureMayPublishAsync(request.Id, RedisPrimary.DefaultWait);
        var left = RedisPrimary.DefaultWait - Stopwatch.GetElapsedTime(received);
        var message = Payloads.OrNull(request.Message);
        using var scope = PublishScope(Logger, request.Id, request.Topic!);
        using var activity = PublishTelemetry.Start(PublishTelemetry.SignalOperation, request.Topic!, request.Id);
        var sender = await requester.SignalAsync(request.Topic!, message, ct, Activity.Current?.Id,
            left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        telemetry.RecordSignal(activity, request.Topic!, sender);
        await Send.OkAsync(new PublishSignalResponse("ok", sender), ct);
    }
}
