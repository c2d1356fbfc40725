using System.Text;
using System.Text.Json;

namespace Gilmour.Benchmarks;

/// <summary>The message of a cell: a JSON string of <see cref="Size"/> characters, the same for every requester.</summary>
public sealed class Payload
{
    public int Size { get; }
    public JsonElement Data { get; }
    private readonly string _text;

    public Payload(int size)
    {
        Size = size;
        _text = new string('x', size);
        Data = JsonSerializer.SerializeToElement(_text, Json.GilmourJson.Default.String);
    }

    /// <summary>The body of POST /request/{id}: the request's timeout is generous, a timed-out request is an error.</summary>
    public byte[] ProxyRequestBody(string topic) =>
        Encoding.UTF8.GetBytes($$"""{"topic":"{{topic}}","message":"{{_text}}","timeout":30}""");
}
