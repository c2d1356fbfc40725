using System.Text;
using System.Text.Json;

namespace Gilmour.Core.Tests.Support;

/// <summary>JSON values for tests, written as JSON text, and payloads read back as text.</summary>
public static class JsonText
{
    public static JsonElement Element(string json) => JsonElement.Parse(json);

    public static string FromUtf8(byte[] utf8) => Encoding.UTF8.GetString(utf8);
}
