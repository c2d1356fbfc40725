using System.Text.Json;

namespace Gilmour.ControlApi.Messaging;

/// <summary>A publish body's <c>message</c> may be any JSON; absent or null is published as JSON null.</summary>
public static class Payloads
{
    public static JsonElement Null { get; } = JsonDocument.Parse("null").RootElement.Clone();

    public static JsonElement OrNull(JsonElement? message) =>
        message is { ValueKind: not JsonValueKind.Undefined } given ? given : Null;
}
