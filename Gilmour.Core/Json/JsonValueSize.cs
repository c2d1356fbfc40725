using System.Runtime.InteropServices;
using System.Text.Json;

namespace Gilmour.Json;

/// <summary>
/// How many bytes a JSON value takes as it was read, so that a buffer for a message around it can be sized once: a
/// buffer that starts small doubles its way up to a 1 MB message through every power of two, each step a new
/// (large-object) array.
/// </summary>
public static class JsonValueSize
{
    /// <summary>The value's length in UTF-8 as read (4, for the <c>null</c> written for a missing value).</summary>
    public static int Of(JsonElement value) =>
        value.ValueKind == JsonValueKind.Undefined ? 4 : JsonMarshal.GetRawUtf8Value(value).Length;
}
