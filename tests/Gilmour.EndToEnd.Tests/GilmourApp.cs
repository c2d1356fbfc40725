using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gilmour.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The real app host (Redis, the three services, the Python and TypeScript sample nodes) started through Aspire.Hosting.Testing,
/// owned by one test: create it with <see cref="StartAsync"/>, dispose it at the end of the test.
/// </summary>
public sealed class GilmourApp : IAsyncDisposable
{
    public const string Redis = "redis";
    public const string Dispatcher = "dispatcher";
    public const string HealthMonitor = "healthmonitor";
    public const string ControlApi = "controlapi";
    public const string PythonNode = "pythonnode";
    public const string TypeScriptNode = "typescriptnode";

    public static readonly string[] Resources = [Redis, Dispatcher, HealthMonitor, ControlApi, PythonNode, TypeScriptNode];

    /// <summary>Long enough for a cold start on a busy two-core machine, short enough to fail a hung start.</summary>
    public static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(120);

    private readonly ConcurrentQueue<string> _logs;
    private readonly CancellationTokenSource _stopWatching;

    public DistributedApplication App { get; }

    /// <summary>The control API, on 127.0.0.1: the proxy calls a node back at the address it registered from.</summary>
    public HttpClient Control { get; }

    /// <summary>The Python sample node's own HTTP address (its health path, GET /received).</summary>
    public HttpClient Python { get; }

    public int PythonPort { get; }

    /// <summary>The TypeScript sample node's own HTTP address (its health path, GET /peer).</summary>
    public HttpClient TypeScript { get; }

    private GilmourApp(DistributedApplication app, ConcurrentQueue<string> logs, CancellationTokenSource stopWatching)
    {
        App = app;
        _logs = logs;
        _stopWatching = stopWatching;
        Control = new HttpClient { BaseAddress = OnLoopback(app.GetEndpoint(ControlApi, "http")), Timeout = TimeSpan.FromSeconds(60) };
        var python = OnLoopback(app.GetEndpoint(PythonNode, "http"));
        Python = new HttpClient { BaseAddress = python, Timeout = TimeSpan.FromSeconds(60) };
        PythonPort = python.Port;
        TypeScript = new HttpClient { BaseAddress = OnLoopback(app.GetEndpoint(TypeScriptNode, "http")), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>
    /// Starts the app host with Redis pinned to <paramref name="redisMode"/>, the control API on a port the
    /// orchestrator picks, and a health monitor that probes every second; returns once every resource is healthy.
    /// </summary>
    public static async Task<GilmourApp> StartAsync(string redisMode = "executable", params string[] settings)
    {
        using var limit = new CancellationTokenSource(StartLimit);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string[] args =
        [
            $"--Gilmour:Redis:Mode={redisMode}",
            "--Gilmour:ControlApi:Port=0",
            // A dead node (refused) is seen within a second; slow answers on a loaded machine are not taken for a sick
            // node: no test here waits for one to turn unavailable, so only ten in a row would.
            "--Gilmour:HealthMonitor:IntervalSeconds=1",
            "--Gilmour:HealthMonitor:ProbeTimeoutSeconds=0.9",
            "--Gilmour:HealthMonitor:FailureThreshold=10",
            .. settings,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gilmour_AppHost>(args, limit.Token);
        var app = await builder.BuildAsync(limit.Token);
        var logs = new ConcurrentQueue<string>();
        var watching = new CancellationTokenSource();
        foreach (var resource in Resources) _ = CollectLogsAsync(app, resource, logs, watching.Token);
        var phase = "starting the app host";
        try
        {
            await app.StartAsync(limit.Token);
            // An external Redis is only a connection string: nothing of the app host's to wait for.
            foreach (var resource in Resources.Where(r => r != Redis || redisMode != "external"))
            {
                phase = $"waiting for {resource} to be healthy";
                await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, limit.Token);
            }
            return new GilmourApp(app, logs, watching);
        }
        catch (Exception e)
        {
            var message = $"{phase} failed after {clock.Elapsed.TotalSeconds:0} s ({e.GetType().Name}: {e.Message})\n"
                + $"{States(app)}\n{Format(logs)}";
            await watching.CancelAsync();
            watching.Dispose();
            await app.DisposeAsync();
            throw new TimeoutException(message, e);
        }
    }

    /// <summary>Each resource's state and health as the orchestrator reports them.</summary>
    private static string States(DistributedApplication app) => string.Join(", ", Resources.Select(resource =>
        app.ResourceNotifications.TryGetCurrentState(resource, out var state)
            ? $"{resource}: {state.Snapshot.State?.Text ?? "?"}/{state.Snapshot.HealthStatus?.ToString() ?? "no health yet"}"
            : $"{resource}: unknown"));

    /// <summary>What every resource logged so far, for assertion messages.</summary>
    public string Logs => Format(_logs);

    /// <summary>Registers a real HTTP node with the control API; returns its id.</summary>
    public async Task<string> RegisterAsync(TestNode node)
    {
        var body = new Dictionary<string, object?> { ["port"] = node.Port, ["health_check"] = node.HealthPath };
        using var response = await Control.PostAsJsonAsync("/nodes", body);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"registration answered {(int)response.StatusCode}: {answer}\n{Logs}");
        return JsonDocument.Parse(answer).RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>
    /// The Python node as the control API describes it (GET /nodes/{id}), once it has registered; the id is the one
    /// the node itself reports (GET /node), so a node that had to register twice is not mistaken for its old entry.
    /// </summary>
    public async Task<JsonElement> PythonNodeAsync()
    {
        JsonElement found = default;
        var seen = "nothing yet";
        await Eventually.HoldsAsync(async () =>
        {
            var id = (await Python.GetFromJsonAsync<JsonElement>("/node")).GetProperty("id").GetString();
            if (id is null) return false;
            using var response = await Control.GetAsync($"/nodes/{id}");
            var text = await response.Content.ReadAsStringAsync();
            seen = $"GET /nodes/{id}: {(int)response.StatusCode} {text}";
            if (!response.IsSuccessStatusCode) return false;
            found = JsonDocument.Parse(text).RootElement.Clone();
            return true;
        }, TimeSpan.FromSeconds(60), () => $"the Python node did not register ({seen})\n{Logs}");
        return found;
    }

    /// <summary>POST /request/{id}; returns the HTTP status and the parsed answer.</summary>
    public async Task<(int Status, JsonElement Answer)> RequestAsync(string senderId, object body)
    {
        using var response = await Control.PostAsJsonAsync($"/request/{senderId}", body);
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The process id the orchestrator reports for an executable resource.</summary>
    public int ProcessId(string resource)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"no state for {resource}");
        var pid = state!.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        return Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        Python.Dispose();
        TypeScript.Dispose();
        await _stopWatching.CancelAsync();
        _stopWatching.Dispose();
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            try { await App.StopAsync(limit.Token); }
            catch (OperationCanceledException) { }
        }
        await App.DisposeAsync();
    }

    private static Uri OnLoopback(Uri endpoint) => new UriBuilder(endpoint) { Host = "127.0.0.1" }.Uri;

    internal static async Task CollectLogsAsync(DistributedApplication app, string resource, ConcurrentQueue<string> logs, CancellationToken stop)
    {
        try
        {
            // By resource, not by name: the orchestrator logs under a per-instance name ("pythonnode-xyz").
            var model = app.Services.GetRequiredService<DistributedApplicationModel>();
            var service = app.Services.GetRequiredService<ResourceLoggerService>();
            await foreach (var batch in service.WatchAsync(model.Resources.Single(r => r.Name == resource)).WithCancellation(stop))
                foreach (var line in batch)
                    logs.Enqueue($"[{resource}] {line.Content}");
        }
        catch (OperationCanceledException) { }
        catch (ObjectDisposedException) { }
    }

    internal static string Format(ConcurrentQueue<string> logs)
    {
        var lines = logs.ToArray();
        return string.Join('\n', lines.Length > 400 ? lines[^400..] : lines);
    }
}
