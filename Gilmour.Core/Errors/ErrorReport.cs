using System.Text.Json;

namespace Gilmour.Errors;

/// <summary>
/// A failure worth reporting on Gilmour's error channel: a reply with code &gt;= 300, or a slot handler that
/// failed or timed out.
/// </summary>
/// <param name="Code">The reply's code (499 time out, 500 handler failure, ...).</param>
/// <param name="Topic">The full channel the message arrived on, for example <c>gilmour.request.x</c>.</param>
/// <param name="RequestData">The data of the request or signal that failed.</param>
/// <param name="Sender">The sender of that request or signal.</param>
/// <param name="Backtrace">What went wrong: an exception's text, or the failing reply's data.</param>
public sealed record ErrorReport(int Code, string Topic, JsonElement RequestData, string Sender, string Backtrace)
{
    /// <summary>The backtrace of a failing reply that carries no exception: its data, as text.</summary>
    public static string TextOf(JsonElement data) => data.ValueKind switch
    {
        JsonValueKind.String => data.GetString() ?? "",
        JsonValueKind.Undefined => "",
        _ => data.GetRawText(),
    };
}
