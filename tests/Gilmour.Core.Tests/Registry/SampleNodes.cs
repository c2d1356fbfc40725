using System.Text.Json;
using Gilmour.Json;
using Gilmour.Registry;

namespace Gilmour.Core.Tests.Registry;

/// <summary>Nodes as the ControlApi would register them, and a structural comparison (records compare lists by reference).</summary>
internal static class SampleNodes
{
    public static Node New(string? id = null, int port = 8080)
    {
        id ??= Guid.NewGuid().ToString();
        return new Node(id, "127.0.0.1", port, "/health", NodeStatus.Ok,
            [new Subscription("news.*", null, "/news"), new Subscription("audit", "auditors", "/audit", 30)],
            [new Subscription("echo", "echoers", "/echo", 45)],
            $"testhost-pid-1-uuid-{id}", 0, new DateTimeOffset(2026, 11, 28, 17, 0, 0, 123, TimeSpan.Zero), MaxConcurrency: 4);
    }

    public static string Json(Node node) => JsonSerializer.Serialize(node, GilmourJson.Default.Node);

    public static void Same(Node expected, Node? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(Json(expected), Json(actual));
    }
}
