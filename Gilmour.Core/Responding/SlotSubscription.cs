using Gilmour.Errors;
using Gilmour.Protocol;

namespace Gilmour.Responding;

/// <summary>A slot: exclusion lock when grouped (as Ruby does), handler within its timeout, failures reported; no reply.</summary>
internal sealed class SlotSubscription(Responder responder, string channel, string? group, SlotHandler handler, TimeSpan timeout)
    : ResponderSubscription(responder, channel, group, timeout)
{
    protected override async Task HandleAsync(IncomingMessage incoming)
    {
        var sender = incoming.Message.Sender;
        if (Group is { } group)
        {
            if (sender.Length == 0)
            {
                ResponderLog.NoSender(Responder.Logger, incoming.Channel);
                return;
            }
            if (!await ExclusionLock.TryAcquireAsync(Responder.Database, sender, group))
            {
                Responder.OnLockLost(incoming, group);
                return;
            }
        }

        var outcome = await RunHandlerAsync(incoming);
        if (outcome.TimedOut)
            await Responder.ReportAsync(new ErrorReport(Codes.TimedOut, incoming.Channel, incoming.Message.Data, sender, Codes.TimedOutText));
        else if (outcome.Failure is { } failure)
            await Responder.ReportAsync(new ErrorReport(Codes.HandlerFailed, incoming.Channel, incoming.Message.Data, sender, failure.ToString()));
    }

    protected override Task StartHandler(IncomingMessage incoming, CancellationToken timeout) => handler(incoming, timeout);
}
