using System.Text.Json;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gilmour.Benchmarks;

/// <summary>
/// The proxied node of the benchmark: a minimal Kestrel app on 127.0.0.1 whose /echo answers the delivered
/// <c>data</c> unchanged, so the chain's cost is the proxy's and not the node's.
/// </summary>
public sealed class EchoNode : IAsyncDisposable
{
    public const string EchoPath = "/echo";

    private readonly WebApplication _app;

    public int Port { get; }

    private EchoNode(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public static async Task<EchoNode> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok());
        app.MapPost(EchoPath, EchoAsync);
        await app.StartAsync();
        return new EchoNode(app, port);
    }

    // The delivery is {topic, sender, data, timeout}; the node's body becomes the reply's data.
    private static async Task EchoAsync(HttpContext context)
    {
        using var delivery = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        delivery.RootElement.GetProperty("data").WriteTo(writer);
        await writer.FlushAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
