using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gilmour.Protocol;

/// <summary>
/// Reads and writes Gilmour payloads byte-compatible with Go and Ruby: field order data, code, sender;
/// tolerant on input of a bare non-object payload (Ruby may publish one), of a null or absent code,
/// and of unknown fields.
/// </summary>
public static class MessageCodec
{
    // Go and Ruby write non-ASCII text as raw UTF-8; the default encoder would turn it (and '+', '<', '&') into
    // \uXXXX escapes. The payload is never embedded in HTML, so the relaxed encoder is safe here.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonDocumentOptions DocumentOptions = new() { AllowTrailingCommas = false, MaxDepth = 256 };

    // Every request, reply and signal is encoded on the hot path: one reusable buffer and writer per thread
    // leave the returned array as the only allocation.
    private const int RetainedBufferLimit = 64 * 1024;

    // The fields around the data (code, sender's name, traceparent) and what escaping may add.
    private const int Envelope = 256;
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    public static byte[] Encode(Message message)
    {
        var size = Json.JsonValueSize.Of(message.Data) + message.Sender.Length + Envelope;
        ArrayBufferWriter<byte> buffer;
        Utf8JsonWriter writer;
        if (size > RetainedBufferLimit)
        {
            // A large message: one buffer of its size, kept by nobody afterwards.
            buffer = new ArrayBufferWriter<byte>(size);
            writer = new Utf8JsonWriter(buffer, WriterOptions);
        }
        else
        {
            buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
            writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
            buffer.ResetWrittenCount();
            writer.Reset(buffer);
        }

        writer.WriteStartObject();
        writer.WritePropertyName("data"u8);
        if (message.Data.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
        else message.Data.WriteTo(writer);
        if (message.Code is { } code) writer.WriteNumber("code"u8, code);
        else writer.WriteNull("code"u8);
        writer.WriteString("sender"u8, message.Sender);
        if (message.Traceparent is { } traceparent) writer.WriteString("traceparent"u8, traceparent);
        writer.WriteEndObject();
        writer.Flush();

        var encoded = buffer.WrittenSpan.ToArray();
        if (size > RetainedBufferLimit) writer.Dispose();
        else if (buffer.Capacity > RetainedBufferLimit)
        {
            t_buffer = null;
            t_writer = null;
        }
        return encoded;
    }

    /// <summary>
    /// Decodes a payload. Anything that is not a JSON object with at least one of data/code/sender becomes the
    /// data of a message with no code and no sender (a bare Ruby value, or even text that is not JSON).
    /// </summary>
    /// <remarks>
    /// The message keeps <paramref name="payload"/>'s bytes instead of copying them (a RedisValue owns its array, and
    /// nothing writes to it again), and its document is never disposed on purpose: the index it rents, as large as
    /// the payload, is then the collector's to free, where a returned one would stay cached in the shared pool
    /// (one per thread and size) long after a burst of large messages.
    /// </remarks>
    public static Message Decode(ReadOnlyMemory<byte> payload)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(payload, DocumentOptions).RootElement;
        }
        catch (JsonException)
        {
            return new Message(JsonSerializer.SerializeToElement(System.Text.Encoding.UTF8.GetString(payload.Span), Json.GilmourJson.Default.String), null, "");
        }

        if (root.ValueKind != JsonValueKind.Object) return new Message(root, null, "");

        var data = Null;
        int? code = null;
        string? sender = null, traceparent = null;
        var known = false;
        foreach (var property in root.EnumerateObject())
        {
            if (property.NameEquals("data"u8))
            {
                data = property.Value;
                known = true;
            }
            else if (property.NameEquals("code"u8))
            {
                code = CodeOf(property.Value);
                known = true;
            }
            else if (property.NameEquals("sender"u8))
            {
                sender = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => property.Value.GetRawText(),
                };
                known = true;
            }
            else if (property.NameEquals("traceparent"u8) && property.Value.ValueKind == JsonValueKind.String)
            {
                traceparent = property.Value.GetString();
            }
        }
        return known ? new Message(data, code, sender ?? "", traceparent) : new Message(root, null, "");
    }

    /// <summary>JSON null, the data of a message that carries none (handlers never see an undefined element).</summary>
    public static readonly JsonElement Null = JsonElement.Parse("null"u8);

    // Ruby sends 0 or null, Go 200; a float such as 200.0 is still a code, anything else is none.
    private static int? CodeOf(JsonElement code) =>
        code.ValueKind != JsonValueKind.Number ? null
        : code.TryGetInt32(out var whole) ? whole
        : code.TryGetDouble(out var number) && number is >= int.MinValue and <= int.MaxValue ? (int)number
        : null;
}
