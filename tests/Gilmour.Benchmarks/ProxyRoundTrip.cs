using System.Net.Http.Headers;

namespace Gilmour.Benchmarks;

/// <summary>
/// The whole chain: POST /request/{id} on the control API, answered through the dispatcher by an echo node (the
/// callback node, or the streaming node when <paramref name="name"/> says so).
/// </summary>
public sealed class ProxyRoundTrip(HttpClient http, string nodeId, string topic, Payload payload, string name = ProxyRoundTrip.Callback) : IRoundTrip
{
    public const string Callback = "proxy";
    public const string Streaming = "proxy-stream";

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private readonly string _path = $"/request/{nodeId}";
    private readonly byte[] _body = payload.ProxyRequestBody(topic);

    public string Name => name;

    public async Task<bool> SendAsync(CancellationToken cancellationToken)
    {
        using var content = new ByteArrayContent(_body);
        content.Headers.ContentType = Json;
        using var response = await http.PostAsync(_path, content, cancellationToken);
        // Read to the end: the answer's bytes are part of the round trip, and the connection goes back to the pool.
        var answer = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return response.IsSuccessStatusCode && answer.Length >= payload.Size;
    }
}
