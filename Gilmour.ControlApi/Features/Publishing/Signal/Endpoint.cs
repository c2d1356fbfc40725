using System.Diagnostics;
using FastEndpoints;
using Gilmour.ControlApi.Publishing;
using Gilmour.Failover;
using Gilmour.Requests;

namespace Gilmour.ControlApi.Features.Publishing.Signal;

/// <summary>POST /signal/{id}: a Gilmour signal (every slot on the topic gets it) on behalf of node {id}.</summary>
public sealed class PublishSignalEndpoint(Publisher publisher, Requester requester) : Endpoint<PublishSignalRequest, PublishSignalResponse>
{
    private static readonly Func<ILogger, string, string, IDisposable?> PublishScope =
        LoggerMessage.DefineScope<string, string>("NodeId:{NodeId} Topic:{Topic}");

    public override void Configure()
    {
        Post("/signal/{id}");
        RequestBinder(new RequestBinder<PublishSignalRequest>(BindingSource.JsonBody | BindingSource.RouteValues));
    }

    public override async Task HandleAsync(PublishSignalRequest request, CancellationToken ct)
    {
        // One wait for a Redis primary (a failover) covers both reading the node and publishing.
        var received = Stopwatch.GetTimestamp();
        await publisher.EnsureMayPublishAsync(request.Id, RedisPrimary.DefaultWait);
        var left = RedisPrimary.DefaultWait - Stopwatch.GetElapsedTime(received);
        var message = Payloads.OrNull(request.Message);
        using var scope = PublishScope(Logger, request.Id, request.Topic!);
        using var activity = PublishTelemetry.Start(PublishTelemetry.SignalOperation, request.Topic!, request.Id);
        var sender = await requester.SignalAsync(request.Topic!, message, ct, Activity.Current?.Id,
            left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        PublishTelemetry.RecordSignal(activity, request.Topic!, sender);
        await Send.OkAsync(new PublishSignalResponse("ok", sender), ct);
    }
}
