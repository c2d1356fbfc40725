using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Streaming;

/// <summary>
/// One proxy shared by the tests of a class that only add nodes of their own, with short HealthMonitor rounds.
/// </summary>
public class StreamProxy : ProxyFixture, IAsyncLifetime
{
    private readonly List<StreamingNode> _streamingNodes = [];

    public static readonly IReadOnlyDictionary<string, string> Fast = new Dictionary<string, string>
    {
        // A stream's lease lives three heartbeats: with heartbeats longer than any test, a ControlApi stalled by the
        // machine's load cannot let a lease lapse, which would take the node off the bus and end its deliveries. A
        // test that needs a lapse forces it; one that needs keepalives sets a short heartbeat of its own.
        ["Gilmour__ControlApi__StreamHeartbeatSeconds"] = "600",
        // Rounds every half second: a lapse a test forces shows at once.
        ["Gilmour__HealthMonitor__IntervalSeconds"] = "0.5",
        ["Gilmour__HealthMonitor__ProbeTimeoutSeconds"] = "0.4",
        // A probe of a callback node slowed by the machine's load must not flip it; stream nodes are not probed.
        ["Gilmour__HealthMonitor__FailureThreshold"] = "5",
    };

    protected override IReadOnlyDictionary<string, string> Settings => Fast;

    /// <summary>A streaming node registered through the first ControlApi (not connected yet); disposed with the fixture's nodes.</summary>
    public async Task<StreamingNode> RegisterStreamingNodeAsync(string fields = "")
    {
        var node = new StreamingNode(Control);
        lock (_streamingNodes) _streamingNodes.Add(node);
        await node.RegisterAsync(fields);
        return node;
    }

    /// <summary>A sender (transport none) to publish with; returns its id.</summary>
    public async Task<string> RegisterSenderAsync()
    {
        var answer = await Control.PostAsync("/nodes", """{"transport":"none"}""");
        Assert.True(answer.Code == 201, $"sender registration failed: {answer}");
        return answer.Body.GetProperty("id").GetString()!;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var node in _streamingNodes) await node.DisposeAsync();
        await DisposeAsync();
    }

    public static string Topic(string name) => $"stream.{name}.{Guid.NewGuid():N}";
}
