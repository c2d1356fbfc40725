using System.Buffers;
using System.Text.Json;

namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// Writes the endpoints' JSON answers. A large one (<see cref="ISizedAnswer"/>) is serialized into one buffer of its
/// size and sent with a Content-Length: streamed into the response instead, its big values would each ask the server's
/// pipe for a block as large as themselves, which comes from the shared array pool and then stays cached there, one per
/// thread, long after the burst. Every other answer is streamed as usual.
/// </summary>
public static class AnswerSerializer
{
    /// <summary>Answers below this are streamed: they fit the server's own blocks.</summary>
    public const int BufferedFrom = 64 * 1024;

    public static Task WriteAsync(HttpResponse response, object? answer, string contentType, JsonSerializerOptions options,
        CancellationToken cancellationToken)
    {
        if (answer is null) return Task.CompletedTask;
        var mediaType = $"{contentType}; charset=utf-8";
        // Read once: an answer sums its messages' sizes to give it.
        var sizeHint = (answer as ISizedAnswer)?.SizeHint ?? 0;
        if (sizeHint < BufferedFrom) return response.WriteAsJsonAsync(answer, options, mediaType, cancellationToken);

        var buffer = new ArrayBufferWriter<byte>(sizeHint);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
               {
                   Encoder = options.Encoder,
                   Indented = options.WriteIndented,
                   MaxDepth = options.MaxDepth,
               }))
        {
            JsonSerializer.Serialize(writer, answer, options.GetTypeInfo(answer.GetType()));
        }
        response.ContentType = mediaType;
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).AsTask();
    }
}
