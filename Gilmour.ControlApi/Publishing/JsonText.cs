using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace Gilmour.ControlApi.Publishing;

/// <summary>
/// Free-form JSON of a publish body (message, composition) is parsed without decoding its strings, so invalid
/// UTF-8 inside them would only surface when the message is written to Redis, as a server error. Checked up front.
/// </summary>
public static class JsonText
{
    /// <summary>True when every string and property name in <paramref name="element"/> is valid UTF-8.</summary>
    public static bool IsValidUtf8(JsonElement element)
    {
        // Text without escapes is valid exactly when its bytes are: one vectorised pass, where decoding every
        // string would copy a 1 MB message into a 2 MB string only to drop it.
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.IndexOf(EscapedCodePoint) < 0) return Utf8.IsValid(raw);
        // A \uXXXX escape may name half of a surrogate pair, which no UTF-8 can carry: decoding finds it.
        try
        {
            Visit(element);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static ReadOnlySpan<byte> EscapedCodePoint => "\\u"u8;

    private static void Visit(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) Visit(item);
                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    _ = property.Name;
                    Visit(property.Value);
                }
                break;
        }
    }
}
