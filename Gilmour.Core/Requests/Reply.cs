using System.Text.Json;

namespace Gilmour.Requests;

/// <summary>The answer to a request: the responder's data and code (404 nobody listens, 499 timed out).</summary>
public sealed record Reply(JsonElement Data, int Code);
