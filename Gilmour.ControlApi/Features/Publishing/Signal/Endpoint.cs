using System.Diagnostics;
using FastEndpoints;
using Gilmour.ControlApi.Publishing;
using Gilmour.Requests;

namespace Gilmour.ControlApi.Features.Publishing.Signal;

/// <summary>POST /signal/{id}: a Gilmour signal (every slot on the topic gets it) on behalf of node {id}.</summary>
public sealed class PublishSignalEndpoint(Publisher publisher, Requester requester, PublishTelemetry telemetry)
    : Endpoint<PublishSignalRequest, PublishSignalResponse>
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
        await publisher.EnsureMayPublishAsync(request.Id);
        var message = Payloads.OrNull(request.Message);
        using var scope = PublishScope(Logger, request.Id, request.Topic!);
        using var activity = PublishTelemetry.Start(PublishTelemetry.SignalOperation, request.Topic!, request.Id);
        var sender = await requester.SignalAsync(request.Topic!, message, ct, Activity.Current?.Id);
        telemetry.RecordSignal(activity, request.Topic!, sender);
        await Send.OkAsync(new PublishSignalResponse("ok", sender), ct);
    }
}
