namespace Gilmour.Errors;

/// <summary>
/// The report Go's "queue" error policy pushes on <c>gilmour.errorqueue</c>; the property order is the field order
/// on the wire.
/// </summary>
/// <param name="RequestData">The request's data as JSON text.</param>
/// <param name="UserData">Always empty, as Go leaves it.</param>
/// <param name="Timestamp">RFC 3339.</param>
public sealed record GoErrorReport(
    string Topic,
    string RequestData,
    string UserData,
    string Sender,
    bool MultiProcess,
    string Timestamp,
    string Backtrace,
    int Code);
