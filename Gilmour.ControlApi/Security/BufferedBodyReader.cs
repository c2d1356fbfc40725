using System.Text.Json;

namespace Gilmour.ControlApi.Security;

/// <summary>
/// Reads an endpoint's JSON body. <see cref="BodyGuard"/> has already read a body whole into memory to check it; it
/// is parsed there, in one piece, rather than streamed through a pipe again in small blocks that a large value must
/// then be copied out of.
/// </summary>
public static class BufferedBodyReader
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static ValueTask<object?> ReadAsync(HttpRequest request, Type type, JsonSerializerOptions options, CancellationToken cancellationToken)
    {
        if (request.Body is MemoryStream buffered && buffered.TryGetBuffer(out var bytes))
        {
            var json = bytes.AsSpan((int)buffered.Position);
            // The streaming reader skips a byte order mark; so does this one.
            if (json.StartsWith(Utf8Bom)) json = json[Utf8Bom.Length..];
            return ValueTask.FromResult(JsonSerializer.Deserialize(json, type, options));
        }
        return request.ReadFromJsonAsync(type, options, cancellationToken);
    }
}
