using System.Text.Json;

namespace Gilmour.Requests;

/// <summary>The answer to a request: the responder's data and code (404 nobody listens, 499 timed out).</summary>
public sealed record Reply(JsonElement Data, int Code)
{
    /// <summary>
    /// True when no responder sent it: the requesting side decided it itself (404 nobody listens, 499 no reply in
    /// time), so its code is no responder's answer.
    /// </summary>
    public bool IsLocal { get; init; }
}
