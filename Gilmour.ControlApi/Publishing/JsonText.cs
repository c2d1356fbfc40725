using System.Text.Json;

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
