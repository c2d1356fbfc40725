using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gilmour.Json;
using Gilmour.Protocol;
using Gilmour.Requests;

namespace Gilmour.Streaming;

/// <summary>
/// A stream node's reply on its way from the ControlApi replica that took it to the dispatcher that waits for it
/// (<see cref="Registry.RegistryKeys.StreamReplies"/>): <c>{"id": delivery, "code": int, "data": any}</c>.
/// </summary>
public static class ReplyEnvelope
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Encode(string deliveryId, int code, JsonElement data)
    {
        var buffer = new ArrayBufferWriter<byte>(128 + JsonValueSize.Of(data));
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, deliveryId);
            writer.WriteNumber("code"u8, code);
            writer.WritePropertyName("data"u8);
            if (data.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
            else data.WriteTo(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>False for a payload that is not an envelope (nothing but the proxy should publish there).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, out string deliveryId, out Reply reply)
    {
        deliveryId = "";
        reply = null!;
        try
        {
            var root = JsonSerializer.Deserialize(payload.Span, GilmourJson.Default.JsonElement);
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("id"u8, out var id) || id.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("code"u8, out var code) || !code.TryGetInt32(out var number))
                return false;
            deliveryId = id.GetString()!;
            reply = new Reply(root.TryGetProperty("data"u8, out var data) ? data : default, number);
            return true;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>The reply a requester gets when the node's stream closed before the node answered.</summary>
    public static Reply StreamClosed(string nodeId) => new(JsonSerializer.SerializeToElement(
        $"node {nodeId}'s stream closed before it answered", GilmourJson.Default.String), Codes.Unreachable);
}
