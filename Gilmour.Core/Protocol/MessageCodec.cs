using System.Buffers;
using System.Text.Json;

namespace Gilmour.Protocol;

/// <summary>
/// Reads and writes Gilmour payloads byte-compatible with Go and Ruby: field order data, code, sender;
/// tolerant on input of a bare non-object payload (Ruby may publish one), of a null or absent code,
/// and of unknown fields.
/// </summary>
public static class MessageCodec
{
    public static byte[] Encode(Message message)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("data"u8);
            if (message.Data.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
            else message.Data.WriteTo(writer);
            if (message.Code is { } code) writer.WriteNumber("code"u8, code);
            else writer.WriteNull("code"u8);
            writer.WriteString("sender"u8, message.Sender);
            if (message.Traceparent is { } traceparent) writer.WriteString("traceparent"u8, traceparent);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes a payload. Anything that is not a JSON object with at least one of data/code/sender becomes the
    /// data of a message with no code and no sender (a bare Ruby value, or even text that is not JSON).
    /// </summary>
    public static Message Decode(ReadOnlySpan<byte> payload)
    {
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { AllowTrailingCommas = false, MaxDepth = 256 });
            root = JsonElement.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return new Message(JsonSerializer.SerializeToElement(System.Text.Encoding.UTF8.GetString(payload), Json.GilmourJson.Default.String), null, "");
        }

        if (root.ValueKind != JsonValueKind.Object) return new Message(root, null, "");

        JsonElement data = default;
        int? code = null;
        string? sender = null, traceparent = null;
        var known = false;
        foreach (var property in root.EnumerateObject())
        {
            switch (property.Name)
            {
                case "data":
                    data = property.Value;
                    known = true;
                    break;
                case "code":
                    known = true;
                    code = property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetInt32(out var c) ? c
                        : property.Value.ValueKind == JsonValueKind.Number && property.Value.TryGetDouble(out var d) ? (int)d
                        : null;
                    break;
                case "sender":
                    known = true;
                    sender = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : property.Value.GetRawText();
                    break;
                case "traceparent":
                    traceparent = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                    break;
            }
        }
        return known ? new Message(data, code, sender ?? "", traceparent) : new Message(root, null, "");
    }
}
