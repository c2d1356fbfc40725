using System.Text;
using System.Text.Json;
using Gilmour.Protocol;
using Gilmour.Responding;
using Gilmour.Streaming;

namespace Gilmour.Core.Tests.Streaming;

public sealed class StreamFrameTests
{
    private static IncomingMessage Incoming(string dataJson) =>
        new("orders.created", "gilmour.request.orders.created", new Message(JsonDocument.Parse(dataJson).RootElement.Clone(), 200, "sender.1"));

    [Fact]
    public void A_request_frame_carries_the_event_as_the_stream_writes_it()
    {
        var frame = StreamFrame.Request("d1", "/orders", Incoming("""{"text":"two\nlines\r\n","n":1}"""), 30);

        Assert.True(StreamFrame.TryDecode(frame, out var decoded));
        Assert.Equal(StreamFrameKind.Request, decoded.Kind);
        Assert.Equal("d1", decoded.Id);
        var text = Encoding.UTF8.GetString(decoded.Event.Span);
        Assert.StartsWith("event: request\ndata: ", text);
        Assert.EndsWith("\n\n", text);
        // One data line: the line breaks inside the message stay escaped.
        var data = text["event: request\ndata: ".Length..^2];
        Assert.DoesNotContain('\n', data);
        Assert.DoesNotContain('\r', data);
        using var json = JsonDocument.Parse(data);
        Assert.Equal(["id", "path", "topic", "sender", "data", "timeout"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("two\nlines\r\n", json.RootElement.GetProperty("data").GetProperty("text").GetString());
        Assert.Equal(30, json.RootElement.GetProperty("timeout").GetInt32());
    }

    [Fact]
    public void A_signal_frame_has_no_timeout_and_a_takeover_frame_no_event()
    {
        Assert.True(StreamFrame.TryDecode(StreamFrame.Signal("d2", "/s", Incoming("null")), out var signal));
        Assert.Equal(StreamFrameKind.Signal, signal.Kind);
        var data = Encoding.UTF8.GetString(signal.Event.Span)["event: signal\ndata: ".Length..^2];
        Assert.Equal(["id", "path", "topic", "sender", "data"], JsonDocument.Parse(data).RootElement.EnumerateObject().Select(p => p.Name));

        Assert.True(StreamFrame.TryDecode(StreamFrame.Takeover("s1"), out var takeover));
        Assert.Equal((StreamFrameKind.Takeover, "s1", 0), (takeover.Kind, takeover.Id, takeover.Event.Length));
    }

    [Theory]
    [InlineData("")]
    [InlineData("R")]
    [InlineData("R d1")]
    [InlineData("X d1\nevent: request\n\n")]
    [InlineData("Rd1\nx")]
    [InlineData("R d1\n")]
    public void Anything_else_is_not_a_frame(string payload) =>
        Assert.False(StreamFrame.TryDecode(Encoding.UTF8.GetBytes(payload), out _));
}
