using System.Text;
using System.Text.Json;
using Gilmour.ControlApi.Messaging;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>
/// The check of free-form message JSON for \u escapes that name half of a surrogate pair. Raw bytes that are not UTF-8
/// are refused for every body before it is read (BadInputTests' "invalid UTF-8" rows).
/// </summary>
public sealed class JsonTextTests
{
    [Theory]
    [InlineData("""{"k":"plain","n":[1,true,null]}""")]
    [InlineData("""{"clé":"naïve ☃ 😀"}""")]
    [InlineData("""["caf\u00e9","\ud83d\ude00","a\\u"]""")]
    [InlineData("\"\"")]
    public void Text_whose_escapes_name_whole_characters_passes(string json) =>
        Assert.True(JsonText.EscapesWholeCharacters(Parse(Encoding.UTF8.GetBytes(json))));

    [Theory]
    [InlineData("""{"k":"a\ud800b"}""")]
    [InlineData("""{"\udc00":1}""")]
    [InlineData("""["\udc00\ud800"]""")]
    [InlineData("""["ok","\ud83d"]""")]
    public void An_escaped_half_of_a_surrogate_pair_is_invalid(string json) =>
        Assert.False(JsonText.EscapesWholeCharacters(Parse(Encoding.UTF8.GetBytes(json))));

    [Fact]
    public void Only_the_element_itself_is_checked()
    {
        using var document = JsonDocument.Parse("""{"message":{"k":"fine"},"other":"\ud800"}""");
        Assert.True(JsonText.EscapesWholeCharacters(document.RootElement.GetProperty("message")));
        Assert.False(JsonText.EscapesWholeCharacters(document.RootElement));
    }

    private static JsonElement Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
