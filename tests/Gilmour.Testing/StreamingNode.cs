using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gilmour.Testing;

/// <summary>One event a node's stream carried: <c>event:</c> name and the parsed <c>data:</c>.</summary>
public sealed record StreamEvent(string Name, JsonElement Data, DateTimeOffset At)
{
    public string? Id => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("id", out var id) ? id.GetString() : null;
    public string? Path => Data.ValueKind == JsonValueKind.Object && Data.TryGetProperty("path", out var path) ? path.GetString() : null;
    public JsonElement Payload => Data.GetProperty("data");
}

/// <summary>What a streaming node answers to a request event: a code and the raw JSON of its data.</summary>
public sealed record StreamAnswer(int Code, string DataJson);

/// <summary>One reply the node posted and how the proxy answered it.</summary>
public sealed record PostedReply(string Delivery, HttpStatusCode Status, string Body);

/// <summary>
/// A node that dials out, as any program behind NAT would be: it registers with transport stream, holds
/// <c>GET /nodes/{id}/stream</c> open with a plain HttpClient reading Server-Sent Events, and posts each reply to
/// <c>/nodes/{id}/replies/{delivery}</c>. It listens on no port. Requests are answered by the handler set for their
/// path (default: code 200 echoing the data); a handler returning null leaves the request unanswered.
/// </summary>
public sealed class StreamingNode : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<StreamEvent, CancellationToken, Task<StreamAnswer?>>> _handlers = new();
    private readonly ConcurrentQueue<StreamEvent> _events = new();
    private readonly ConcurrentQueue<PostedReply> _replies = new();
    private readonly HttpClient _replyHttp;
    private CancellationTokenSource? _reading;
    private Task? _loop;
    private int _keepalives;

    /// <param name="streamHttp">Where the stream is opened (its BaseAddress: a control API, or an ingress in front).</param>
    /// <param name="replyHttp">Where replies are posted; the stream's client when null.</param>
    public StreamingNode(HttpClient streamHttp, HttpClient? replyHttp = null)
    {
        StreamHttp = streamHttp;
        _replyHttp = replyHttp ?? streamHttp;
    }

    public HttpClient StreamHttp { get; set; }

    public string Id { get; private set; } = "";

    /// <summary>The token the registration answered with, sent as a bearer token when present.</summary>
    public string? Token { get; private set; }

    /// <summary>Every event received, oldest first (keepalive comments are counted, not kept).</summary>
    public IReadOnlyList<StreamEvent> Events => [.. _events];

    public IReadOnlyList<StreamEvent> Requests => [.. _events.Where(e => e.Name == "request")];

    public IReadOnlyList<StreamEvent> Signals => [.. _events.Where(e => e.Name == "signal")];

    public IReadOnlyList<PostedReply> Replies => [.. _replies];

    public int Keepalives => Volatile.Read(ref _keepalives);

    /// <summary>The reasons of every <c>close</c> event received.</summary>
    public IReadOnlyList<string> CloseReasons => [.. _events.Where(e => e.Name == "close").Select(e => e.Data.GetProperty("reason").GetString()!)];

    /// <summary>Set when the stream ended, with what ended it (null: ended by the server without an error).</summary>
    public Exception? StreamEnd { get; private set; }

    public bool Reading => _loop is { IsCompleted: false };

    public void Handle(string path, Func<StreamEvent, CancellationToken, Task<StreamAnswer?>> handler) => _handlers[path] = handler;

    public void Handle(string path, Func<StreamEvent, StreamAnswer?> handler) => _handlers[path] = (e, _) => Task.FromResult(handler(e));

    /// <summary>Acts as a node registered already (another connection of the same program, or a restart of it).</summary>
    public StreamingNode As(string id, string? token)
    {
        Id = id;
        Token = token;
        return this;
    }

    /// <summary>POST /nodes with transport stream and <paramref name="fields"/> (JSON members without braces, or an object).</summary>
    public async Task<string> RegisterAsync(string fields = "")
    {
        var members = fields.Trim();
        if (members.StartsWith('{')) members = members[1..^1].Trim();
        using var content = new StringContent($$"""{"transport":"stream"{{(members.Length > 0 ? "," + members : "")}}}""", Encoding.UTF8, "application/json");
        using var response = await StreamHttp.PostAsync("/nodes", content);
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"registration failed: {(int)response.StatusCode} {body}");
        using var answer = JsonDocument.Parse(body);
        Id = answer.RootElement.GetProperty("id").GetString()!;
        Token = answer.RootElement.TryGetProperty("token", out var token) ? token.GetString() : null;
        return Id;
    }

    /// <summary>Opens the stream and reads it in the background; returns once the proxy answered 200.</summary>
    /// <exception cref="HttpRequestException">the proxy did not answer 200 (the message holds its answer).</exception>
    public async Task OpenAsync()
    {
        await CloseStreamAsync();
        var reading = new CancellationTokenSource();
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Get, $"/nodes/{Id}/stream"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var response = await StreamHttp.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, reading.Token);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new HttpRequestException($"stream refused: {(int)response.StatusCode} {body}", null, response.StatusCode);
        }
        StreamEnd = null;
        _reading = reading;
        _loop = ReadAsync(response, reading.Token);
    }

    /// <summary>Opens the stream and waits for its <c>ready</c> event.</summary>
    public async Task ConnectAsync(TimeSpan? limit = null)
    {
        var readies = CountOf("ready");
        await OpenAsync();
        await WaitForAsync(() => CountOf("ready") > readies, limit ?? TimeSpan.FromSeconds(20), "no ready event");
    }

    /// <summary>Drops the connection, as a node whose process or network went away.</summary>
    public async Task CloseStreamAsync()
    {
        if (_reading is null) return;
        await _reading.CancelAsync();
        try
        {
            if (_loop is not null) await _loop;
        }
        catch (OperationCanceledException)
        {
        }
        _reading.Dispose();
        _reading = null;
    }

    public int CountOf(string eventName) => _events.Count(e => e.Name == eventName);

    public Task WaitForAsync(Func<bool> condition, TimeSpan limit, string what) =>
        Eventually.HoldsAsync(condition, limit, () => $"{what}; node {Id} events: {string.Join(", ", Events.Select(e => e.Name))}, stream end: {StreamEnd?.Message ?? "(open)"}");

    /// <summary>Waits until the stream ended (by the server, or cut).</summary>
    public Task WaitForEndAsync(TimeSpan limit) => WaitForAsync(() => !Reading, limit, "the stream did not end");

    /// <summary>Posts a reply as the node would, and records the proxy's answer.</summary>
    public async Task<PostedReply> ReplyAsync(string delivery, string body, CancellationToken cancellationToken = default)
    {
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Post, $"/nodes/{Id}/replies/{delivery}")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        });
        using var response = await _replyHttp.SendAsync(request, cancellationToken);
        var posted = new PostedReply(delivery, response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        _replies.Enqueue(posted);
        return posted;
    }

    /// <summary>Posts a batch of replies (<c>POST /nodes/{id}/replies</c>) as the node would; returns the proxy's answer.</summary>
    public async Task<(HttpStatusCode Status, string Body)> ReplyAllAsync(string body, CancellationToken cancellationToken = default)
    {
        using var request = Authorized(new HttpRequestMessage(HttpMethod.Post, $"/nodes/{Id}/replies")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        });
        using var response = await _replyHttp.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync() => await CloseStreamAsync();

    private HttpRequestMessage Authorized(HttpRequestMessage request)
    {
        if (Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return request;
    }

    private async Task ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using (response)
            await using (var body = await response.Content.ReadAsStreamAsync(cancellationToken))
            {
                using var reader = new StreamReader(body, Encoding.UTF8);
                string? name = null;
                var data = new StringBuilder();
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.Length == 0)
                    {
                        if (name is not null || data.Length > 0) Dispatch(name ?? "message", data.ToString(), cancellationToken);
                        name = null;
                        data.Clear();
                    }
                    else if (line[0] == ':') Interlocked.Increment(ref _keepalives);
                    else if (line.StartsWith("event:", StringComparison.Ordinal)) name = line[6..].TrimStart();
                    else if (line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        if (data.Length > 0) data.Append('\n');
                        data.Append(line[5..].TrimStart());
                    }
                }
            }
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            StreamEnd = e;
        }
    }

    private void Dispatch(string name, string data, CancellationToken cancellationToken)
    {
        var parsed = JsonDocument.Parse(data).RootElement.Clone();
        var received = new StreamEvent(name, parsed, DateTimeOffset.UtcNow);
        _events.Enqueue(received);
        if (name != "request") return;
        _ = AnswerAsync(received, cancellationToken);
    }

    private async Task AnswerAsync(StreamEvent request, CancellationToken cancellationToken)
    {
        var handler = _handlers.TryGetValue(request.Path ?? "", out var h) ? h : Echo;
        try
        {
            if (await handler(request, cancellationToken) is not { } answer) return;
            await ReplyAsync(request.Id!, $$"""{"code":{{answer.Code}},"data":{{answer.DataJson}}}""", CancellationToken.None);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            // The proxy went away meanwhile: the request ends on the proxy's side, as the contract says.
        }
    }

    private static Task<StreamAnswer?> Echo(StreamEvent request, CancellationToken _) =>
        Task.FromResult<StreamAnswer?>(new StreamAnswer(200, request.Payload.GetRawText()));
}
