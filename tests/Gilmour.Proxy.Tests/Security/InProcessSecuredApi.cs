using System.Diagnostics;
using System.Net;
using System.Text;
using Gilmour.ControlApi;
using Gilmour.Proxy.Tests.Observability;
using Gilmour.Proxy.Tests.Support;
using Gilmour.ServiceDefaults;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>
/// The ControlApi in the secured posture, wired as its Program.cs wires it but hosted in the test process so that
/// its exported spans and metrics can be read, beside a real redis-server and Dispatcher process. It also maps one
/// route of the test's own with <c>{id}</c> in its pattern, as other endpoints (the streaming ones) add theirs.
/// </summary>
public sealed class InProcessSecuredApi : IAsyncLifetime
{
    public const string AdminKey = "in-process-admin-key";

    /// <summary>A route no Gilmour endpoint declares, answering the id it was called with.</summary>
    public const string ExtraRoute = "/nodes/{id}/test-only/{thing}";

    private readonly RedisServer _redis = new();
    private ServiceProcess? _dispatcher;
    private WebApplication? _controlApi;

    public Exported<Activity> Spans { get; } = [];
    private Exported<MetricSnapshot> Metrics { get; } = [];

    public HttpClient Control { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        _dispatcher = await ServiceProcess.StartAsync(ProxyHarness.Dispatcher, _redis.ConnectionString);

        var port = FreePort.Next();
        var builder = ObservedHost.CreateBuilder(_redis.ConnectionString, Metrics, Spans, port);
        builder.Configuration["Gilmour:ControlApi:ApiKey"] = AdminKey;
        builder.AddGilmourRedisClient();
        builder.AddControlApi();
        _controlApi = builder.Build();
        _controlApi.UseControlApi();
        _controlApi.MapGet(ExtraRoute, (string id) => Results.Text(id));
        _controlApi.MapDefaultEndpoints();
        await _controlApi.StartAsync();
        Control = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    /// <summary>Registers a test node with the admin key; its id and token.</summary>
    public async Task<IssuedNode> RegisterAsync(TestNode node, string fields = "")
    {
        var members = fields.Length > 0 ? "," + fields : "";
        var answer = await Control.CallAsync(HttpMethod.Post, "/nodes", Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}{{members}}}"""),
            headers: new Dictionary<string, string> { ["X-Api-Key"] = AdminKey });
        Assert.True(answer.Status == HttpStatusCode.Created, $"registration failed: {answer}");
        return new IssuedNode(answer.Body.GetProperty("id").GetString()!, answer.Body.GetProperty("token").GetString()!);
    }

    public IReadOnlyList<MetricSnapshot> CollectMetrics() => MetricReadings.Collect(_controlApi!, Metrics);

    public async Task DisposeAsync()
    {
        Control?.Dispose();
        if (_controlApi is not null)
        {
            await _controlApi.StopAsync();
            await _controlApi.DisposeAsync();
        }
        if (_dispatcher is not null) await _dispatcher.DisposeAsync();
        await _redis.StopAsync();
    }
}
