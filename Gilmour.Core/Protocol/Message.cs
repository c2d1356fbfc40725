using System.Text.Json;

namespace Gilmour.Protocol;

/// <summary>
/// One Gilmour payload: <c>{"data": any, "code": int|null, "sender": "..."}</c>, plus the optional W3C
/// <c>traceparent</c> the proxy adds (native peers ignore unknown fields).
/// </summary>
/// <param name="Data">The payload; <see cref="JsonValueKind.Undefined"/> is written as null.</param>
/// <param name="Code">Null when a Ruby requester sent null or no code.</param>
public sealed record Message(JsonElement Data, int? Code, string Sender, string? Traceparent = null);
