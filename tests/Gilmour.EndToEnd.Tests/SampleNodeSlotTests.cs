using System.Net.Http.Json;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// Signals from a node registered by the test, received by the Python node's wildcard slot. The whole app host on
/// redis-server, proven through the control API; each test starts and stops its own app.
/// </summary>
public sealed class SampleNodeSlotTests
{
    [Fact]
    public async Task A_signal_reaches_the_python_nodes_wildcard_slot_with_its_concrete_topic()
    {
        await using var app = await GilmourApp.StartAsync();
        await app.PythonNodeAsync();
        await using var node = await TestNode.StartAsync();
        var id = await app.RegisterAsync(node);
        var marker = Guid.NewGuid().ToString("N");

        using var response = await app.Control.PostAsJsonAsync($"/signal/{id}", new { topic = "sample.events.e2e", message = new { marker } });
        Assert.True(response.IsSuccessStatusCode, $"signal answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");

        JsonElement received = default;
        await Eventually.HoldsAsync(async () =>
        {
            var signals = (await app.Python.GetFromJsonAsync<JsonElement>("/received")).GetProperty("signals");
            received = signals.EnumerateArray().FirstOrDefault(s =>
                s.GetProperty("data") is { ValueKind: JsonValueKind.Object } data
                && data.TryGetProperty("marker", out var m) && m.GetString() == marker);
            return received.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(60), () => $"the Python slot never got signal {marker}\n{app.Logs}");
        Assert.Equal("sample.events.e2e", received.GetProperty("topic").GetString());
    }
}
