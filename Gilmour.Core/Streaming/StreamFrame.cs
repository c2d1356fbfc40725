using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gilmour.Json;
using Gilmour.Responding;

namespace Gilmour.Streaming;

public enum StreamFrameKind
{
    /// <summary>A request for the node; <see cref="StreamFrame.Id"/> is the delivery its reply answers.</summary>
    Request,

    /// <summary>A signal for one of the node's slots; nothing answers it.</summary>
    Signal,

    /// <summary>A stream of the node took over; <see cref="StreamFrame.Id"/> is that stream's id.</summary>
    Takeover,
}

/// <summary>
/// One message on a node's stream channel (<see cref="Registry.RegistryKeys.StreamChannel"/>): a first line
/// <c>R|S|T &lt;id&gt;</c>, then, for a request or signal, the Server-Sent Event exactly as the node's stream carries
/// it (<c>event: request</c>, one <c>data:</c> line of JSON, a blank line). The dispatcher builds the event, so the
/// ControlApi holding the stream writes it without reading it.
/// </summary>
public readonly record struct StreamFrame(StreamFrameKind Kind, string Id, ReadOnlyMemory<byte> Event)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary><c>event: request</c> with <c>{id, path, topic, sender, data, timeout}</c>.</summary>
    public static byte[] Request(string deliveryId, string path, IncomingMessage message, int timeoutSeconds) =>
        Encode('R', deliveryId, "request"u8, path, message, timeoutSeconds);

    /// <summary><c>event: signal</c> with <c>{id, path, topic, sender, data}</c>.</summary>
    public static byte[] Signal(string deliveryId, string path, IncomingMessage message) =>
        Encode('S', deliveryId, "signal"u8, path, message, null);

    public static byte[] Takeover(string streamId) => Encoding.UTF8.GetBytes($"T {streamId}\n");

    /// <summary>False for anything that is not a frame (nothing but the proxy should publish there).</summary>
    public static bool TryDecode(ReadOnlyMemory<byte> payload, out StreamFrame frame)
    {
        frame = default;
        var span = payload.Span;
        var newline = span.IndexOf((byte)'\n');
        if (newline < 3 || span[1] != (byte)' ') return false;
        var kind = span[0] switch
        {
            (byte)'R' => StreamFrameKind.Request,
            (byte)'S' => StreamFrameKind.Signal,
            (byte)'T' => StreamFrameKind.Takeover,
            _ => (StreamFrameKind?)null,
        };
        if (kind is null) return false;
        frame = new StreamFrame(kind.Value, Encoding.ASCII.GetString(span[2..newline]), payload[(newline + 1)..]);
        return kind == StreamFrameKind.Takeover || frame.Event.Length > 0;
    }

    private static byte[] Encode(char kind, string id, ReadOnlySpan<byte> eventName, string path, IncomingMessage message, int? timeout)
    {
        var buffer = new ArrayBufferWriter<byte>(512 + JsonValueSize.Of(message.Message.Data) + message.Topic.Length + message.Message.Sender.Length + path.Length);
        Write(buffer, $"{kind} {id}\n");
        Write(buffer, "event: "u8);
        Write(buffer, eventName);
        Write(buffer, "\ndata: "u8);
        // Written without indentation, and JSON escapes every line break inside strings: the event's data is one line.
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, id);
            writer.WriteString("path"u8, path);
            writer.WriteString("topic"u8, message.Topic);
            writer.WriteString("sender"u8, message.Message.Sender);
            writer.WritePropertyName("data"u8);
            if (message.Message.Data.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
            else message.Message.Data.WriteTo(writer);
            if (timeout is { } seconds) writer.WriteNumber("timeout"u8, seconds);
            writer.WriteEndObject();
        }
        Write(buffer, "\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> bytes) => buffer.Write(bytes);

    private static void Write(ArrayBufferWriter<byte> buffer, string text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
