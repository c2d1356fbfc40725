using Microsoft.Extensions.Logging;

namespace Gilmour.Responding;

/// <summary>The responder's log events (nothing per message above Debug, failures aside).</summary>
internal static partial class ResponderLog
{
    [LoggerMessage(1, LogLevel.Debug, "Message on {Channel} has no sender: no reply channel, no lock key; skipped")]
    public static partial void NoSender(ILogger logger, string channel);

    [LoggerMessage(2, LogLevel.Warning, "Handling the message from {Sender} on {Channel} failed")]
    public static partial void HandlingFailed(ILogger logger, Exception exception, string channel, string sender);

    [LoggerMessage(3, LogLevel.Warning, "Reporting error {Code} of {Channel} (sender {Sender}) failed")]
    public static partial void ReportFailed(ILogger logger, Exception exception, int code, string channel, string sender);

    [LoggerMessage(4, LogLevel.Warning, "Unsubscribing {Channel} failed; Redis dropped it with the connection")]
    public static partial void UnsubscribeFailed(ILogger logger, Exception exception, string channel);

    [LoggerMessage(5, LogLevel.Warning, "Removing health ident {Ident} from gilmour.known_host.health failed")]
    public static partial void UnregisterFailed(ILogger logger, Exception exception, string ident);
}
