using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Clients;

/// <summary>
/// The two real proxies the client packages' suites run against, each with its own redis-server and three services:
/// one open (no API key), one secured by <see cref="ApiKey"/>. Both probe node health every second (the suites wait
/// for a node to turn dirty and back) and write a stream keepalive every five seconds (the suites count two).
/// </summary>
public sealed class ClientProxies : IAsyncLifetime
{
    public const string ApiKey = "client-suites-admin-key";

    private static readonly Dictionary<string, string> Common = new()
    {
        ["Gilmour__HealthMonitor__IntervalSeconds"] = "1",
        ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.8",
        // The suites need dirty only, which a refused connection makes at once whatever the threshold: probes slowed
        // by the machine's load must not turn a node unavailable, and its requests 404, meanwhile.
        ["Gilmour__HealthMonitor__FailureThreshold"] = "10",
        // Keepalives the suites can count well within their patience. The lease lives three heartbeats: only a
        // ControlApi that misses renewals for about two of them, far longer than a loaded machine stalls it, lets it
        // lapse and its stream nodes go off the bus.
        ["Gilmour__ControlApi__StreamHeartbeatSeconds"] = "5",
    };

    public ProxyHarness Open { get; private set; } = null!;
    public ProxyHarness Secured { get; private set; } = null!;

    /// <summary>What the suites read (their tests/support files say the same).</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["GILMOUR_TEST_PROXY_URL"] = Open.Control.BaseAddress!.ToString().TrimEnd('/'),
        ["GILMOUR_TEST_SECURED_PROXY_URL"] = Secured.Control.BaseAddress!.ToString().TrimEnd('/'),
        ["GILMOUR_TEST_API_KEY"] = ApiKey,
    };

    public string Logs => $"{Tail(Open.Logs)}\n===== secured proxy =====\n{Tail(Secured.Logs)}";

    public async Task InitializeAsync()
    {
        var open = ProxyHarness.StartAsync(Common);
        var secured = ProxyHarness.StartAsync(new Dictionary<string, string>(Common) { ["Gilmour__ControlApi__ApiKey"] = ApiKey });
        try
        {
            await Task.WhenAll(open, secured);
        }
        finally
        {
            // Whichever started is kept for DisposeAsync, so a failed start leaves no process behind.
            if (open.IsCompletedSuccessfully) Open = open.Result;
            if (secured.IsCompletedSuccessfully) Secured = secured.Result;
        }
    }

    public async Task DisposeAsync()
    {
        if (Open is not null) await Open.DisposeAsync();
        if (Secured is not null) await Secured.DisposeAsync();
    }

    /// <summary>The last lines of the services' output: enough to see why a suite failed, not the whole run.</summary>
    private static string Tail(string logs, int lines = 150)
    {
        var all = logs.Split('\n');
        return all.Length <= lines ? logs : string.Join('\n', all[^lines..]);
    }
}
