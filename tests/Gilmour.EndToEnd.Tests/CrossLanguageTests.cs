using System.Net.Http.Json;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The two sample nodes the app host runs, each on its own client package, call each other through the proxy: the
/// Python node requests the TypeScript node's sample.shout, and the TypeScript node the Python node's sample.fib.
/// </summary>
public sealed class CrossLanguageTests
{
    [Fact]
    public async Task The_python_node_requests_the_typescript_service_and_the_typescript_node_the_python_service()
    {
        await using var app = await GilmourApp.StartAsync();

        // Healthy is not yet registered: until a node's registration is live, its peer is told nobody serves it (404).
        var fromPython = await AnswerOfPeerAsync(app, app.Python, "sample.shout");
        Assert.Equal("HELLO FROM PYTHON", fromPython.GetProperty("text").GetString());

        var fromTypeScript = await AnswerOfPeerAsync(app, app.TypeScript, "sample.fib");
        Assert.Equal(10, fromTypeScript.GetProperty("n").GetInt32());
        Assert.Equal(55, fromTypeScript.GetProperty("fib").GetInt32());
    }

    /// <summary>GET /peer of a sample node until its request reaches the other node; returns that node's answer.</summary>
    private static async Task<JsonElement> AnswerOfPeerAsync(GilmourApp app, HttpClient node, string topic)
    {
        JsonElement answer = default;
        var seen = "nothing yet";
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await node.GetAsync("/peer");
            var text = await response.Content.ReadAsStringAsync();
            seen = $"{(int)response.StatusCode} {text}";
            if (!response.IsSuccessStatusCode) return false;
            answer = JsonDocument.Parse(text).RootElement.Clone();
            Assert.Equal(topic, answer.GetProperty("topic").GetString());
            var code = answer.GetProperty("code").GetInt32();
            Assert.True(code is 200 or 404, $"{topic} answered {seen}\n{app.Logs}");
            return code == 200;
        }, TimeSpan.FromSeconds(60), () => $"{topic} was never served ({seen})\n{app.Logs}");
        return answer.GetProperty("data");
    }
}
