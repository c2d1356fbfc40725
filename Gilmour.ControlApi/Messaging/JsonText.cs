using System.Runtime.InteropServices;
using System.Text.Json;

namespace Gilmour.ControlApi.Messaging;

/// <summary>
/// Free-form JSON of a publish body (message, composition) is relayed without decoding its strings. Its bytes are
/// valid UTF-8 (<see cref="Security.BodyGuard"/> checks every body once, whole); what bytes cannot show is a
/// <c>\uXXXX</c> escape naming half of a surrogate pair, which no UTF-8 text can carry to Redis or a peer.
/// </summary>
public static class JsonText
{
    /// <summary>True when no string or property name in <paramref name="element"/> escapes half of a surrogate pair.</summary>
    public static bool EscapesWholeCharacters(JsonElement element)
    {
        // Text without escapes has nothing to find: one vectorised search, where decoding every string would copy a
        // 1 MB message into a 2 MB string only to drop it.
        if (JsonMarshal.GetRawUtf8Value(element).IndexOf(EscapedCodePoint) < 0) return true;
        // Decoding a string with a lone surrogate escape fails.
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

    /// <summary>The validation message of a field that fails <see cref="EscapesWholeCharacters"/>.</summary>
    public const string HalfCharacterProblem =
        "is not valid UTF-8: a \\u escape names half of a surrogate pair (write the whole pair, or the character itself)";

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
