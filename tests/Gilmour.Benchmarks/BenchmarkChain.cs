using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Gilmour.Requests;
using Gilmour.Responding;
using Gilmour.Testing;
using StackExchange.Redis;

namespace Gilmour.Benchmarks;

/// <summary>
/// Everything one run needs, on one redis-server: the proxy (its three services in processes of their own), the
/// echo node registered through it, a streaming echo node (it dials out: no port), and the two baselines' Core
/// Responder and requesters, each on its own multiplexer as separate programs would be.
/// </summary>
public sealed class BenchmarkChain : IAsyncDisposable
{
    public const string ProxyTopic = "bench.proxy.echo";
    public const string StreamTopic = "bench.stream.echo";

    /// <summary>The streaming node's cells: beside the callback node's at these concurrencies, at the first size.</summary>
    public static readonly int[] StreamConcurrencies = [1, 16, 64];
    public const string BaselineTopic = "bench.baseline.echo";
    public const string Group = "bench";

    private static readonly TimeSpan HandlerTimeout = TimeSpan.FromSeconds(30);

    public ProxyHarness Proxy { get; }
    public EchoNode Node { get; }
    public StreamEchoNode StreamNode { get; }
    public HttpClient Http { get; }
    public string NodeId { get; }
    public Requester FloorRequester { get; }
    public ConnectionMultiplexer GoStyleRedis { get; }
    public RedigoPool GoPool { get; }

    private readonly ConnectionMultiplexer _responderRedis;
    private readonly ConnectionMultiplexer _floorRedis;
    private readonly Responder _responder;
    private readonly DirectoryInfo _redisDirectory;

    private BenchmarkChain(ProxyHarness proxy, EchoNode node, StreamEchoNode streamNode, HttpClient http, string nodeId, ConnectionMultiplexer responderRedis,
        Responder responder, ConnectionMultiplexer floorRedis, Requester floorRequester, ConnectionMultiplexer goStyleRedis,
        RedigoPool goPool, DirectoryInfo redisDirectory)
    {
        _redisDirectory = redisDirectory;
        Proxy = proxy;
        Node = node;
        StreamNode = streamNode;
        Http = http;
        NodeId = nodeId;
        _responderRedis = responderRedis;
        _responder = responder;
        _floorRedis = floorRedis;
        FloorRequester = floorRequester;
        GoStyleRedis = goStyleRedis;
        GoPool = goPool;
    }

    /// <summary>The proxy's three service processes by name, for RSS sampling.</summary>
    public IReadOnlyDictionary<string, int> ServiceProcesses =>
        Proxy.Services.ToDictionary(s => s.Name.Replace("Gilmour.", "", StringComparison.Ordinal), s => s.ProcessId);

    /// <summary>
    /// Every process whose CPU time a cell records: the services, redis-server, and this one ("bench": the HTTP
    /// clients and the echo node for the proxy, the requesters and the Core Responder for the baselines).
    /// </summary>
    public IReadOnlyDictionary<string, int> CpuWatched
    {
        get
        {
            var processes = new Dictionary<string, int>(ServiceProcesses) { ["bench"] = Environment.ProcessId };
            if (CpuClock.RedisServerProcess(Proxy.Redis.Port) is { } redis) processes["redis"] = redis;
            return processes;
        }
    }

    /// <param name="subscriptions">subscriptions of the benchmark node: its echo service plus idle ones, so that the
    /// main table is the "10 subscriptions" side of the scale comparison.</param>
    public static async Task<BenchmarkChain> StartAsync(BenchmarkOptions options, int subscriptions)
    {
        var node = await EchoNode.StartAsync();
        // A dump directory of its own: the Redis restart at the end of a run saves and reloads its data there.
        var redisDirectory = Directory.CreateTempSubdirectory("gilmour-bench-redis-");
        var proxy = await ProxyHarness.StartAsync(ServiceSettings(options), new RedisServer { ExtraArguments = ["--dir", redisDirectory.FullName] });
        var http = ProxyClient(proxy);

        var nodeId = await RegisterAsync(http, node.Port, subscriptions);
        // The same subscriptions on a node that dials out instead.
        var streamServices = new List<object> { new { topic = StreamTopic, group = Group, path = EchoNode.EchoPath } };
        for (var i = 1; i < subscriptions; i++) streamServices.Add(new { topic = $"bench.stream.idle.{i}", group = Group, path = EchoNode.EchoPath });
        var streamNode = await StreamEchoNode.StartAsync(proxy.Control.BaseAddress!, streamServices);

        var responderRedis = await proxy.Redis.ConnectAsync();
        var responder = new Responder(responderRedis);
        await responder.StartAsync();
        await responder.ReplyAsync(BaselineTopic, Group, static (message, _) => Task.FromResult(new Reply(message.Message.Data, 200)), HandlerTimeout);
        var floorRedis = await proxy.Redis.ConnectAsync();
        var floorRequester = new Requester(floorRedis);
        await floorRequester.StartAsync();
        var goStyleRedis = await proxy.Redis.ConnectAsync();
        return new BenchmarkChain(proxy, node, streamNode, http, nodeId, responderRedis, responder, floorRedis, floorRequester, goStyleRedis,
            new RedigoPool(proxy.Redis.Port), redisDirectory);
    }

    /// <summary>The environment every service of the run gets (on top of the app host's runtime environment).</summary>
    public static Dictionary<string, string> ServiceSettings(BenchmarkOptions options)
    {
        var largest = options.Sizes.Max();
        var settings = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = options.ServiceLogLevel,
            // ServiceProcess starts services as Development for the tests (developer exception page in the pipeline);
            // an operator runs them as Production, and that is what is measured.
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            // The 1 MB message plus its JSON envelope is over the 1 MiB default.
            ["Gilmour__ControlApi__MaxBodyBytes"] = Math.Max(1_048_576L, 2L * largest + 65_536).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in options.ServiceEnvironment) settings[key] = value;
        return settings;
    }

    /// <summary>A keep-alive client of the proxy's control API with no limit on connections.</summary>
    public static HttpClient ProxyClient(ProxyHarness proxy) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
            UseCookies = false,
        })
        {
            BaseAddress = proxy.Control.BaseAddress,
            Timeout = TimeSpan.FromSeconds(120),
        };

    /// <summary>Registers the echo node with its echo service plus idle ones; returns its id.</summary>
    public static Task<string> RegisterAsync(HttpClient http, int port, int subscriptions)
    {
        var services = new List<object> { new { topic = ProxyTopic, group = Group, path = EchoNode.EchoPath } };
        for (var i = 1; i < subscriptions; i++) services.Add(new { topic = $"bench.idle.{i}", group = Group, path = EchoNode.EchoPath });
        return RegisterAsync(http, port, services);
    }

    /// <summary>POST /nodes; returns the node's id. Returns only once its subscriptions are live (the API waits).</summary>
    public static async Task<string> RegisterAsync(HttpClient http, int port, IReadOnlyList<object> services)
    {
        using var response = await http.PostAsJsonAsync("/nodes", new { port, services });
        var body = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"registration failed: {(int)response.StatusCode} {body}");
        using var answer = JsonDocument.Parse(body);
        return answer.RootElement.GetProperty("id").GetString()!;
    }

    /// <param name="concurrency">the cell's; the streaming node takes part only at <see cref="StreamConcurrencies"/> (null: always).</param>
    public IRoundTrip[] RoundTrips(Payload payload, int? concurrency = null, bool firstSize = true) =>
        firstSize && (concurrency is null || StreamConcurrencies.Contains(concurrency.Value))
            ? [.. CallbackAndBaselines(payload), new ProxyRoundTrip(Http, NodeId, StreamTopic, payload, ProxyRoundTrip.Streaming)]
            : CallbackAndBaselines(payload);

    private IRoundTrip[] CallbackAndBaselines(Payload payload) =>
    [
        new ProxyRoundTrip(Http, NodeId, ProxyTopic, payload),
        new FloorRoundTrip(FloorRequester, BaselineTopic, payload),
        new GoStyleRoundTrip("go-style (b)", new MultiplexedCommands(GoStyleRedis), GoStyleRedis, BaselineTopic, payload),
        new GoStyleRoundTrip("go-pooled (b')", GoPool, GoStyleRedis, BaselineTopic, payload),
    ];

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await StreamNode.DisposeAsync();
        await FloorRequester.DisposeAsync();
        await _responder.DisposeAsync();
        await _floorRedis.DisposeAsync();
        await _responderRedis.DisposeAsync();
        await GoStyleRedis.DisposeAsync();
        await GoPool.DisposeAsync();
        await Proxy.DisposeAsync();
        await Node.DisposeAsync();
        _redisDirectory.Delete(recursive: true);
    }
}
