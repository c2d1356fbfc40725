using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gilmour.Testing;

/// <summary>What a node received on one of its paths.</summary>
public sealed record Delivery(string Path, JsonElement Body, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At);

/// <summary>How a node answers a delivery: status and raw body (null body: empty).</summary>
public sealed record NodeAnswer(int Status, string? Body, string ContentType = "application/json");

/// <summary>
/// A real HTTP node on a loopback address (Kestrel; 127.0.0.1 unless told another), the kind of program that
/// registers with the proxy. Its health path
/// answers <see cref="HealthStatus"/>; every other path records the delivery and answers with the handler set
/// for it (default: 200 echoing the delivery's data). Stopping it makes its port refuse connections.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<Delivery, CancellationToken, Task<NodeAnswer>>> _handlers = new();
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly List<Exception> _writeFailures = [];
    private WebApplication? _app;

    public int Port { get; }
    public IPAddress Address { get; }
    public string HealthPath { get; }

    /// <summary>Status the health path answers; change it to make the node unhealthy.</summary>
    public volatile int HealthStatus = 200;

    /// <summary>How long the health path waits before it answers; longer than a probe timeout makes probes time out.</summary>
    public TimeSpan HealthDelay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _healthDelayTicks));
        set => Interlocked.Exchange(ref _healthDelayTicks, value.Ticks);
    }
    private long _healthDelayTicks;

    /// <summary>Count of health probes received.</summary>
    public int HealthProbes => _healthProbes;
    private int _healthProbes;

    /// <summary>
    /// Runs as each health probe arrives, before it is answered: the prober is still waiting on the connection then,
    /// so a test can tell which process holds its other end (<see cref="SocketOwner"/>).
    /// </summary>
    public Action<ConnectionInfo>? HealthProbeArrived { get; set; }

    /// <summary>Response writes that failed because the proxy had closed the connection (a timed-out delivery).</summary>
    public IReadOnlyList<Exception> WriteFailures { get { lock (_writeFailures) return _writeFailures.ToList(); } }

    public IReadOnlyCollection<Delivery> Deliveries => _deliveries.ToArray();

    private TestNode(int port, IPAddress address, string healthPath)
    {
        Port = port;
        Address = address;
        HealthPath = healthPath;
    }

    /// <param name="address">Where to listen, for example 127.0.0.2 for a node that is not where the proxy is.</param>
    public static async Task<TestNode> StartAsync(string healthPath = "/health", int port = 0, IPAddress? address = null)
    {
        var node = new TestNode(port == 0 ? FreePort.Next() : port, address ?? IPAddress.Loopback, healthPath);
        await node.RestartAsync();
        return node;
    }

    /// <summary>Sets how <paramref name="path"/> answers.</summary>
    public void Handle(string path, Func<Delivery, CancellationToken, Task<NodeAnswer>> handler) => _handlers[path] = handler;

    public void Handle(string path, Func<Delivery, NodeAnswer> handler) => _handlers[path] = (d, _) => Task.FromResult(handler(d));

    public IReadOnlyList<Delivery> DeliveriesTo(string path) => _deliveries.Where(d => d.Path == path).ToList();

    /// <summary>Waits until <paramref name="condition"/> holds on the deliveries, or fails after <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForDeliveriesAsync(string path, int count, TimeSpan? limit = null,
        Func<string>? context = null)
    {
        await Eventually.HoldsAsync(() => DeliveriesTo(path).Count >= count, limit ?? TimeSpan.FromSeconds(30),
            () => $"{path} got {DeliveriesTo(path).Count} deliveries, expected {count}\n{context?.Invoke()}");
        return DeliveriesTo(path);
    }

    /// <summary>Starts (again, after <see cref="StopAsync"/>) listening on the same port.</summary>
    public async Task RestartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(Address, Port));
        var app = builder.Build();
        app.Run(ServeAsync);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: the port then refuses connections (a node whose process is gone).</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        using (var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (HttpMethods.IsGet(context.Request.Method) && path == HealthPath)
        {
            HealthProbeArrived?.Invoke(context.Connection);
            Interlocked.Increment(ref _healthProbes);
            if (HealthDelay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(HealthDelay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            context.Response.StatusCode = HealthStatus;
            await context.Response.WriteAsync("{\"status\":\"health\"}");
            return;
        }

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            body = default;
        }
        var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
        var delivery = new Delivery(path, body, headers, DateTimeOffset.UtcNow);
        _deliveries.Enqueue(delivery);

        var handler = _handlers.TryGetValue(path, out var h) ? h : EchoData;
        NodeAnswer answer;
        try
        {
            answer = await handler(delivery, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            answer = new NodeAnswer(200, "\"late\"");
        }
        try
        {
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = answer.ContentType;
            if (answer.Body is not null) await context.Response.WriteAsync(answer.Body, context.RequestAborted);
            await context.Response.CompleteAsync();
            if (context.RequestAborted.IsCancellationRequested)
                throw new OperationCanceledException("the proxy closed the connection before the answer was written");
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            lock (_writeFailures) _writeFailures.Add(e);
        }
    }

    private static Task<NodeAnswer> EchoData(Delivery delivery, CancellationToken _) =>
        Task.FromResult(new NodeAnswer(200, delivery.Body.ValueKind == JsonValueKind.Object && delivery.Body.TryGetProperty("data", out var data)
            ? data.GetRawText() : "null"));
}
