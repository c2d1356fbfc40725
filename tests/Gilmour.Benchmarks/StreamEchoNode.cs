using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gilmour.Benchmarks;

/// <summary>
/// The streaming node of the benchmark: a node that dials out, on a plain HttpClient. It holds
/// <c>GET /nodes/{id}/stream</c> open, reads its Server-Sent Events as bytes, and answers each request event with
/// <c>{"code":200,"data":&lt;the data it got&gt;}</c>, as lean as the callback echo node, so that the difference
/// measured is the transports'. It replies as the Python and TypeScript clients do: one <c>POST /nodes/{id}/replies</c>
/// at a time, carrying every reply that became ready while the previous one was on its way (one reply when idle,
/// a batch under load).
/// </summary>
public sealed class StreamEchoNode : IAsyncDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly byte[] EventRequest = "event: request"u8.ToArray();
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();

    /// <summary>The proxy takes at most 1000 replies in one batch.</summary>
    private const int MaxBatch = 1000;

    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<byte[]> _replies = new();
    private int _sending;
    private Task? _reading;
    private long _failedReplies;
    private long _batches;
    private long _batched;

    private StreamEchoNode(HttpClient http, string id)
    {
        _http = http;
        Id = id;
    }

    public string Id { get; }

    /// <summary>Replies the proxy did not answer 200 (a request is then an error of its cell too).</summary>
    public long FailedReplies => Interlocked.Read(ref _failedReplies);

    /// <summary>Replies per POST so far: how much the batching saved.</summary>
    public double RepliesPerBatch => Interlocked.Read(ref _batches) is > 0 and var batches ? (double)Interlocked.Read(ref _batched) / batches : 0;

    /// <summary>Registers with transport stream and <paramref name="services"/>, opens the stream, and waits for ready.</summary>
    public static async Task<StreamEchoNode> StartAsync(Uri controlApi, IReadOnlyList<object> services)
    {
        var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
            UseCookies = false,
        })
        {
            BaseAddress = controlApi,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var registration = await http.PostAsync("/nodes", JsonContent(new { transport = "stream", services }));
        var body = await registration.Content.ReadAsStringAsync();
        if (registration.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"stream node registration failed: {(int)registration.StatusCode} {body}");
        using var answer = JsonDocument.Parse(body);
        var node = new StreamEchoNode(http, answer.RootElement.GetProperty("id").GetString()!);

        var response = await http.GetAsync($"/nodes/{node.Id}/stream", HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"stream refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        node._reading = node.ReadAsync(response);
        await node._ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_reading is not null)
        {
            try
            {
                await _reading;
            }
            catch (Exception)
            {
                // The stream ends with the run.
            }
        }
        _http.Dispose();
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        using (response)
        {
            var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(_stop.Token));
            while (true)
            {
                var read = await reader.ReadAsync(_stop.Token);
                var buffer = read.Buffer;
                while (TryTakeEvent(ref buffer, out var evented)) OnEvent(evented);
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted) break;
            }
            await reader.CompleteAsync();
        }
    }

    /// <summary>One event: the bytes up to the blank line that ends it.</summary>
    private static bool TryTakeEvent(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> evented)
    {
        var sequence = new SequenceReader<byte>(buffer);
        if (!sequence.TryReadTo(out evented, "\n\n"u8, advancePastDelimiter: true)) return false;
        buffer = buffer.Slice(sequence.Position);
        return true;
    }

    private void OnEvent(ReadOnlySequence<byte> evented)
    {
        var text = evented.IsSingleSegment ? evented.FirstSpan : evented.ToArray();
        if (text.StartsWith("event: ready"u8))
        {
            _ready.TrySetResult();
            return;
        }
        if (!text.StartsWith(EventRequest)) return;
        var data = text.IndexOf(DataPrefix);
        if (data < 0) return;
        // Copied out of the pipe's buffer, which the next read reuses.
        _replies.Enqueue(Reply(text[(data + DataPrefix.Length)..]));
        if (Interlocked.CompareExchange(ref _sending, 1, 0) == 0) _ = SendAsync();
    }

    /// <summary>One reply of a batch: <c>{"id":...,"code":200,"data":&lt;the request's data&gt;}</c>.</summary>
    private static byte[] Reply(ReadOnlySpan<byte> request)
    {
        var json = request.ToArray();
        var (id, data) = Split(json);
        var head = Encoding.UTF8.GetBytes($"{{\"id\":\"{id}\",\"code\":200,\"data\":");
        var reply = new byte[head.Length + data.Length + 1];
        head.CopyTo(reply, 0);
        data.Span.CopyTo(reply.AsSpan(head.Length));
        reply[^1] = (byte)'}';
        return reply;
    }

    /// <summary>Posts what is queued, one batch at a time, until nothing is left.</summary>
    private async Task SendAsync()
    {
        while (true)
        {
            while (!_replies.IsEmpty) await PostBatchAsync();
            Volatile.Write(ref _sending, 0);
            // A reply queued after the last look, before the flag went down, would otherwise wait for the next one.
            if (_replies.IsEmpty || Interlocked.CompareExchange(ref _sending, 1, 0) != 0) return;
        }
    }

    private async Task PostBatchAsync()
    {
        var batch = new List<byte[]>();
        var size = "{\"replies\":[]}"u8.Length;
        while (batch.Count < MaxBatch && _replies.TryDequeue(out var reply))
        {
            batch.Add(reply);
            size += reply.Length + 1;
        }
        var count = batch.Count;
        if (count == 0) return;
        // One array: HttpClient writes a ByteArrayContent together with the headers, where other contents would
        // follow them in a second write (and a second read at the proxy).
        var body = new byte[size - 1];
        var at = Copy("{\"replies\":["u8, body, 0);
        for (var i = 0; i < count; i++)
        {
            if (i > 0) body[at++] = (byte)',';
            at = Copy(batch[i], body, at);
        }
        Copy("]}"u8, body, at);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _batched, count);
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using var response = await _http.PostAsync($"/nodes/{Id}/replies", content, _stop.Token);
            var answer = await response.Content.ReadAsByteArrayAsync(_stop.Token);
            if (response.StatusCode != HttpStatusCode.OK) Interlocked.Add(ref _failedReplies, count);
            else Interlocked.Add(ref _failedReplies, CountRefused(answer));
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (HttpRequestException)
        {
            Interlocked.Add(ref _failedReplies, count);
        }
    }

    private static int Copy(ReadOnlySpan<byte> from, byte[] to, int at)
    {
        from.CopyTo(to.AsSpan(at));
        return at + from.Length;
    }

    /// <summary>How many results of a batch's answer are not 200.</summary>
    private static int CountRefused(byte[] answer)
    {
        using var document = JsonDocument.Parse(answer);
        var refused = 0;
        foreach (var result in document.RootElement.GetProperty("results").EnumerateArray())
            if (result.GetProperty("status").GetInt32() != 200) refused++;
        return refused;
    }

    /// <summary>The event's delivery id and the raw JSON of its data.</summary>
    private static (string Id, ReadOnlyMemory<byte> Data) Split(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        string? id = null;
        ReadOnlyMemory<byte> data = default;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isId = reader.ValueTextEquals("id"u8);
            var isData = reader.ValueTextEquals("data"u8);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (isId) id = reader.GetString();
            else if (isData) data = json.AsMemory(start, (int)reader.BytesConsumed - start);
        }
        return (id ?? throw new InvalidDataException("a request event without an id"), data);
    }

    private static StringContent JsonContent(object value) =>
        new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
