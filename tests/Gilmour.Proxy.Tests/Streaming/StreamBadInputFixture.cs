using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// A proxy with two connected stream nodes (the first holds requests unanswered on /hold, so that a delivery stays
/// pending for the hostile replies to aim at; both echo on /echo), a callback node and a sender.
/// </summary>
public sealed class StreamBadInputFixture : StreamProxy
{
    public const string Held = "bad.held";
    public const string Echoed = "bad.echo";

    public StreamingNode First { get; private set; } = null!;
    public StreamingNode Second { get; private set; } = null!;
    public string CallbackNodeId { get; private set; } = "";
    public string SenderId { get; private set; } = "";

    protected override async Task OnStartedAsync()
    {
        First = await RegisterStreamingNodeAsync(
            $$"""{"services":[{"topic":"{{Held}}","group":"g","path":"/hold","timeout":300},{"topic":"{{Echoed}}","group":"g","path":"/echo"}]}""");
        First.Handle("/hold", _ => null);
        Second = await RegisterStreamingNodeAsync("""{"services":[{"topic":"bad.other","group":"g","path":"/echo"}]}""");
        await First.ConnectAsync();
        await Second.ConnectAsync();
        var callback = await StartNodeAsync();
        CallbackNodeId = await Control.RegisterNodeAsync(callback.Port);
        SenderId = await RegisterSenderAsync();
    }

    /// <summary>
    /// Sends a request that the first node holds unanswered; returns the delivery id it got and the request still
    /// waiting for its answer.
    /// </summary>
    public async Task<(string Delivery, Task<Answer> Request)> HoldRequestAsync(string message)
    {
        var before = First.Requests.Count;
        var request = Control.PostAsync($"/request/{SenderId}", $$"""{"topic":"{{Held}}","message":{{message}},"timeout":300}""");
        await First.WaitForAsync(() => First.Requests.Count > before, TimeSpan.FromSeconds(20), "the held request never came");
        return (First.Requests[before].Id!, request);
    }

    /// <summary>The first node answers a held delivery with <paramref name="value"/>; its requester must get exactly that.</summary>
    public async Task AnswerHeldAsync(string delivery, Task<Answer> request, int value)
    {
        var reply = await First.ReplyAsync(delivery, $$"""{"code":200,"data":{{value}}}""");
        Assert.True(reply.Status == System.Net.HttpStatusCode.OK, $"{reply.Status} {reply.Body}");
        var answer = await request.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(answer.Code == 200, answer.ToString());
        Assert.Equal(value, answer.Body.GetProperty("messages")[0].GetProperty("data").GetInt32());
    }
}
