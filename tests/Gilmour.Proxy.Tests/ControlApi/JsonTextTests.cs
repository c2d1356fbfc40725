using System.Text;
using System.Text.Json;
using Gilmour.ControlApi.Publishing;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>The UTF-8 check of free-form message JSON: raw bytes and \u escapes alike.</summary>
public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"k":"plain","n":[1,true,null]}""")]
    [InlineData("""{"clé":"naïve ☃ 😀"}""")]
    [InlineData("""["caf\u00e9","\ud83d\ude00","a\\u"]""")]
    [InlineData("\"\"")]
    public void Text_that_decodes_is_valid(string json) =>
        Assert.True(JsonText.IsValidUtf8(Parse(Encoding.UTF8.GetBytes(json))));

    [Theory]
    [InlineData("""{"k":"a\ud800b"}""")]
    [InlineData("""{"\udc00":1}""")]
    [InlineData("""["\udc00\ud800"]""")]
    [InlineData("""["ok","\ud83d"]""")]
    public void An_escaped_half_of_a_surrogate_pair_is_invalid(string json) =>
        Assert.False(JsonText.IsValidUtf8(Parse(Encoding.UTF8.GetBytes(json))));

    [Fact]
    public void Raw_bytes_that_are_not_UTF8_are_invalid_with_or_without_escapes_beside_them()
    {
        Assert.False(JsonText.IsValidUtf8(Parse([.. "[\"a"u8, 0xFF, .. "\"]"u8])));
        Assert.False(JsonText.IsValidUtf8(Parse([.. "[\"\\u00e9\",\"a"u8, 0xC3, .. "\"]"u8])));
    }

    [Fact]
    public void Only_the_element_itself_is_checked()
    {
        using var document = JsonDocument.Parse("""{"message":{"k":"fine"},"other":"\ud800"}""");
        Assert.True(JsonText.IsValidUtf8(document.RootElement.GetProperty("message")));
        Assert.False(JsonText.IsValidUtf8(document.RootElement));
    }

    private static JsonElement Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
