using System.Text;
using System.Text.Json;
using Gilmour.Core.Tests.Support;
using Gilmour.Protocol;

namespace Gilmour.Core.Tests.Protocol;

public sealed class MessageCodecTests
{
    [Fact]
    public void Encodes_data_code_sender_in_that_order()
    {
        var encoded = MessageCodec.Encode(new Message(JsonText.Element("""{"b":1,"a":[true,null]}"""), 200, "s-1"));

        Assert.Equal("""{"data":{"b":1,"a":[true,null]},"code":200,"sender":"s-1"}""", JsonText.FromUtf8(encoded));
    }

    [Fact]
    public void Encodes_a_missing_code_and_undefined_data_as_null()
    {
        var encoded = MessageCodec.Encode(new Message(default, null, "ruby"));

        Assert.Equal("""{"data":null,"code":null,"sender":"ruby"}""", JsonText.FromUtf8(encoded));
    }

    [Fact]
    public void Encodes_traceparent_after_sender_only_when_present()
    {
        var encoded = MessageCodec.Encode(new Message(JsonText.Element("1"), 200, "s", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));

        Assert.Equal("""{"data":1,"code":200,"sender":"s","traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}""", JsonText.FromUtf8(encoded));
    }

    [Fact]
    public void Writes_non_ascii_text_as_utf8_like_go_and_ruby()
    {
        var encoded = MessageCodec.Encode(new Message(JsonText.Element("\"héllo + <wörld> & 雪\""), 200, "s"));

        Assert.Equal("{\"data\":\"héllo + <wörld> & 雪\",\"code\":200,\"sender\":\"s\"}", JsonText.FromUtf8(encoded));
    }

    [Fact]
    public void Encodes_the_same_bytes_from_many_threads_at_once()
    {
        var expected = Enumerable.Range(0, 2_000).Select(i => $$"""{"data":{"n":{{i}}},"code":200,"sender":"s{{i}}"}""").ToArray();
        var actual = new string[expected.Length];

        Parallel.For(0, expected.Length, i => actual[i] = JsonText.FromUtf8(MessageCodec.Encode(new Message(JsonText.Element($$"""{"n":{{i}}}"""), 200, $"s{i}"))));

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Round_trips_a_large_payload()
    {
        var big = new string('x', 200_000);
        var message = MessageCodec.Decode(MessageCodec.Encode(new Message(JsonSerializer.SerializeToElement(big), 200, "s")));

        Assert.Equal(big, message.Data.GetString());
        Assert.Equal("""{"data":1,"code":200,"sender":"t"}""", JsonText.FromUtf8(MessageCodec.Encode(new Message(JsonText.Element("1"), 200, "t"))));
    }

    [Fact]
    public void Decodes_a_go_request()
    {
        var message = Decode("""{"data":{"q":"x"},"code":200,"sender":"6ba7b810-9dad-11d1-80b4-00c04fd430c8"}""");

        Assert.Equal("""{"q":"x"}""", message.Data.GetRawText());
        Assert.Equal(200, message.Code);
        Assert.Equal("6ba7b810-9dad-11d1-80b4-00c04fd430c8", message.Sender);
        Assert.Null(message.Traceparent);
    }

    [Theory]
    [InlineData("""{"data":5,"code":null,"sender":"abc"}""")]
    [InlineData("""{"data":5,"sender":"abc"}""")]
    public void Decodes_a_null_or_absent_code_as_none(string payload)
    {
        var message = Decode(payload);

        Assert.Null(message.Code);
        Assert.Equal(5, message.Data.GetInt32());
        Assert.Equal("abc", message.Sender);
    }

    [Fact]
    public void Decodes_ruby_code_zero_as_zero()
    {
        Assert.Equal(0, Decode("""{"data":1,"code":0,"sender":"abc"}""").Code);
    }

    [Fact]
    public void Ignores_unknown_fields_and_reads_traceparent()
    {
        var message = Decode("""{"extra":{"deep":[1]},"sender":"s","data":"d","traceparent":"00-a-b-01","code":201,"more":1}""");

        Assert.Equal("d", message.Data.GetString());
        Assert.Equal(201, message.Code);
        Assert.Equal("s", message.Sender);
        Assert.Equal("00-a-b-01", message.Traceparent);
    }

    [Theory]
    [InlineData("42", JsonValueKind.Number)]
    [InlineData("\"bare text\"", JsonValueKind.String)]
    [InlineData("[1,2]", JsonValueKind.Array)]
    [InlineData("""{"not":"a message"}""", JsonValueKind.Object)]
    public void Takes_a_bare_value_as_the_data_itself(string payload, JsonValueKind kind)
    {
        var message = Decode(payload);

        Assert.Equal(kind, message.Data.ValueKind);
        Assert.Equal(JsonElement.Parse(payload).GetRawText(), message.Data.GetRawText());
        Assert.Null(message.Code);
        Assert.Equal("", message.Sender);
    }

    [Fact]
    public void Takes_text_that_is_not_json_as_string_data()
    {
        var message = Decode("hello, not json");

        Assert.Equal("hello, not json", message.Data.GetString());
        Assert.Null(message.Code);
    }

    [Fact]
    public void Survives_invalid_utf8()
    {
        var message = MessageCodec.Decode(new byte[] { (byte)'"', 0xff, 0xfe, (byte)'"' });

        Assert.Equal(JsonValueKind.String, message.Data.ValueKind);
        Assert.Equal("", message.Sender);
    }

    [Fact]
    public void Gives_null_data_when_a_message_has_none()
    {
        var message = Decode("""{"code":200,"sender":"s"}""");

        Assert.Equal(JsonValueKind.Null, message.Data.ValueKind);
        Assert.Equal("""{"data":null,"code":200,"sender":"s"}""", JsonText.FromUtf8(MessageCodec.Encode(message)));
    }

    [Theory]
    [InlineData("""{"data":1,"code":200.0,"sender":"s"}""", 200)]
    [InlineData("""{"data":1,"code":"200","sender":"s"}""", null)]
    [InlineData("""{"data":1,"code":1e300,"sender":"s"}""", null)]
    public void Reads_a_code_only_from_a_number_that_fits(string payload, int? code)
    {
        Assert.Equal(code, Decode(payload).Code);
    }

    [Theory]
    [InlineData("""{"data":1,"sender":null}""", "")]
    [InlineData("""{"data":1,"sender":12345}""", "12345")]
    public void Reads_a_sender_that_is_not_a_string(string payload, string sender)
    {
        Assert.Equal(sender, Decode(payload).Sender);
    }

    [Fact]
    public void Round_trips_what_it_writes()
    {
        var original = new Message(JsonText.Element("""{"k":[1,"two",{"three":3.5}]}"""), 499, "sender-x", "00-t-p-01");

        var decoded = MessageCodec.Decode(MessageCodec.Encode(original));

        Assert.Equal(original.Data.GetRawText(), decoded.Data.GetRawText());
        Assert.Equal((original.Code, original.Sender, original.Traceparent), (decoded.Code, decoded.Sender, decoded.Traceparent));
    }

    private static Message Decode(string payload) => MessageCodec.Decode(Encoding.UTF8.GetBytes(payload));
}
