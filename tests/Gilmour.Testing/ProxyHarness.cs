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

    /// <summary>What the services get as <c>ConnectionStrings__redis</c>: <see cref="Redis"/>'s address, unless
    /// another was given (Sentinels, for one).</summary>
    public string RedisConnectionString { get; }

    public IReadOnlyDictionary<string, string> Settings { get; }
    public List<ServiceProcess> Services { get; } = [];

    /// <summary>Client for the (first) ControlApi.</summary>
    public HttpClient Control { get; private set; } = null!;

    private ProxyHarness(RedisServer redis, string connectionString, IReadOnlyDictionary<string, string> settings)
    {
        Redis = redis;
        RedisConnectionString = connectionString;
        Settings = settings;
    }

    /// <summary>Starts Redis and one of each service, in the order the app host does.</summary>
    /// <param name="settings">Environment for every service.</param>
    /// <param name="redis">The Redis to start (and stop on dispose); a fresh one when null.</param>
    /// <param name="connectionString">What the services connect to instead of <paramref name="redis"/>'s address.</param>
    public static async Task<ProxyHarness> StartAsync(IReadOnlyDictionary<string, string>? settings = null, RedisServer? redis = null,
        string? connectionString = null)
    {
        redis ??= new RedisServer();
        await redis.StartAsync();
        var harness = new ProxyHarness(redis, connectionString ?? redis.ConnectionString, settings ?? new Dictionary<string, string>());
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

    /// <summary>Starts the three services on a Sentinel deployment (which the caller disposes after the harness).</summary>
    public static Task<ProxyHarness> StartAsync(SentinelCluster cluster, IReadOnlyDictionary<string, string>? settings = null) =>
        StartAsync(settings, cluster.Primary, cluster.ConnectionString);

    /// <summary>Starts one more process of <paramref name="name"/> (a replica, or a restart after a kill).</summary>
    public async Task<ServiceProcess> StartServiceAsync(string name, int port = 0)
    {
        var service = await ServiceProcess.StartAsync(name, RedisConnectionString, Settings, port);
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
