namespace Gilmour.Testing;

/// <summary>
/// The whole proxy as an operator runs it: a real redis-server and the three services as child processes on
/// loopback. Each test creates its own and disposes it. <see cref="Settings"/> go to every service as
/// environment variables (for example "Gilmour__HealthMonitor__IntervalSeconds" = "1").
/// </summary>
public sealed class ProxyHarness : IAsyncDisposable
{
    public const string ControlApi = "Gilmour.ControlApi";
    public const string Dispatcher = "Gilmour.Dispatcher";
    public const string HealthMonitor = "Gilmour.HealthMonitor";

    public RedisServer Redis { get; }
    public IReadOnlyDictionary<string, string> Settings { get; }
    public List<ServiceProcess> Services { get; } = [];

    /// <summary>Client for the (first) ControlApi.</summary>
    public HttpClient Control { get; private set; } = null!;

    private ProxyHarness(RedisServer redis, IReadOnlyDictionary<string, string> settings)
    {
        Redis = redis;
        Settings = settings;
    }

    /// <summary>Starts Redis and one of each service, in the order the app host does.</summary>
    public static async Task<ProxyHarness> StartAsync(IReadOnlyDictionary<string, string>? settings = null, RedisServer? redis = null)
    {
        redis ??= new RedisServer();
        await redis.StartAsync();
        var harness = new ProxyHarness(redis, settings ?? new Dictionary<string, string>());
        try
        {
            await Task.WhenAll(harness.StartServiceAsync(Dispatcher), harness.StartServiceAsync(HealthMonitor), harness.StartServiceAsync(ControlApi));
        }
        catch
        {
            await harness.DisposeAsync();
            throw;
        }
        return harness;
    }

    /// <summary>Starts one more process of <paramref name="name"/> (a replica, or a restart after a kill).</summary>
    public async Task<ServiceProcess> StartServiceAsync(string name, int port = 0)
    {
        var service = await ServiceProcess.StartAsync(name, Redis.ConnectionString, Settings, port);
        lock (Services) Services.Add(service);
        if (name == ControlApi && Control is null)
            Control = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        return service;
    }

    public ServiceProcess Service(string name) => Services.First(s => s.Name == name && !s.HasExited);

    /// <summary>The output of every service, for assertion messages.</summary>
    public string Logs => string.Join("\n", Services.Select(s => $"===== {s.Name} ({s.Port}) =====\n{s.Output}"));

    public async ValueTask DisposeAsync()
    {
        Control?.Dispose();
        foreach (var service in Services) await service.DisposeAsync();
        await Redis.StopAsync();
    }
}
