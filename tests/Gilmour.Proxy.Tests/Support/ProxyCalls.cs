using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gilmour.Proxy.Tests.Support;

/// <summary>An HTTP answer of the proxy: status, the body parsed as JSON (Undefined when it is not JSON), the raw text.</summary>
public sealed record Answer(HttpStatusCode Status, JsonElement Body, string Raw, HttpResponseHeaders Headers)
{
    public int Code => (int)Status;

    /// <summary>The <c>status</c> field of the body (the message of an error answer).</summary>
    public string? StatusField =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.String
            ? status.GetString()
            : null;

    public override string ToString() => $"{Code} {Raw}";
}

/// <summary>Raw HTTP calls to the control API: bodies are sent exactly as written, hostile ones included.</summary>
public static class ProxyCalls
{
    public static Task<Answer> GetAnswerAsync(this HttpClient http, string path) => http.CallAsync(HttpMethod.Get, path);

    public static Task<Answer> DeleteAnswerAsync(this HttpClient http, string path) => http.CallAsync(HttpMethod.Delete, path);

    /// <summary>POST of a JSON body (HttpClient's own PostAsync takes HttpContent, so a string lands here).</summary>
    public static Task<Answer> PostAsync(this HttpClient http, string path, string json) =>
        http.CallAsync(HttpMethod.Post, path, Encoding.UTF8.GetBytes(json));

    public static async Task<Answer> CallAsync(this HttpClient http, HttpMethod method, string path, byte[]? body = null,
        string contentType = "application/json", IReadOnlyDictionary<string, string>? headers = null, bool chunked = false,
        CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
                request.Content.Headers.ContentLength = null;
            }
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation(name, value);
        using var response = await http.SendAsync(request, cancellationToken);
        var raw = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonElement parsed;
        try
        {
            parsed = raw.Length == 0 ? default : JsonDocument.Parse(raw).RootElement.Clone();
        }
        catch (JsonException)
        {
            parsed = default;
        }
        return new Answer(response.StatusCode, parsed, raw, response.Headers);
    }

    /// <summary>
    /// POST /nodes for <paramref name="port"/> plus <paramref name="fields"/>: a JSON object (<c>{"slots":[...]}</c>),
    /// or its members without the braces (<c>"slots":[...]</c>).
    /// </summary>
    public static Task<Answer> RegisterAsync(this HttpClient http, int port, string fields = "")
    {
        var members = fields.Trim();
        if (members.StartsWith('{')) members = members[1..^1].Trim();
        return http.PostAsync("/nodes", $$"""{"port":{{port}}{{(members.Length > 0 ? "," + members : "")}}}""");
    }

    /// <summary>Registers and returns the node id; fails the test with the answer when it is not 201.</summary>
    public static async Task<string> RegisterNodeAsync(this HttpClient http, int port, string fields = "")
    {
        var answer = await http.RegisterAsync(port, fields);
        Assert.True(answer.Status == HttpStatusCode.Created, $"registration failed: {answer}");
        return answer.Body.GetProperty("id").GetString()!;
    }

    /// <summary>The exact field names of a JSON object, in order.</summary>
    public static string[] FieldNames(this JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];
}
