namespace Gilmour.Errors;

/// <summary>
/// The report Ruby publishes on <c>gilmour.error</c> as the data of a normal Gilmour message; the property order
/// is the field order on the wire.
/// </summary>
/// <param name="RequestData">The request's data as JSON text.</param>
/// <param name="Userdata">Ruby's extra data as JSON text (always "{}" here).</param>
/// <param name="Timestamp">UTC, <c>yyyy-MM-dd HH:mm:ss UTC</c>.</param>
public sealed record RubyErrorReport(
    int Code,
    string Topic,
    string RequestData,
    string Userdata,
    string Sender,
    bool MultiProcess,
    string Backtrace,
    string Timestamp);
