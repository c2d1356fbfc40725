using System.Net.Http.Json;
using System.Text.Json;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The Python sample node joins the bus by itself when the app host starts. The whole app host on redis-server,
/// proven through the control API; each test starts and stops its own app.
/// </summary>
public sealed class SampleNodeRegistrationTests
{
    [Fact]
    public async Task Python_node_registers_itself_with_status_ok_and_its_services_and_slot()
    {
        await using var app = await GilmourApp.StartAsync();

        var python = await app.PythonNodeAsync();

        Assert.Equal("ok", python.GetProperty("status").GetString());
        Assert.Equal(app.PythonPort, python.GetProperty("port").GetInt32());
        var listed = (await app.Control.GetFromJsonAsync<JsonElement>("/nodes")).GetProperty("nodes").EnumerateArray()
            .Single(n => n.GetProperty("id").GetString() == python.GetProperty("id").GetString());
        Assert.Equal("ok", listed.GetProperty("status").GetString());
        Assert.Equal("/health", python.GetProperty("health_check").GetString());
        var services = python.GetProperty("services").EnumerateArray().Select(s => s.GetProperty("topic").GetString()).Order();
        Assert.Equal(["sample.echo", "sample.fib"], services);
        var slot = Assert.Single(python.GetProperty("slots").EnumerateArray());
        Assert.Equal("sample.events.*", slot.GetProperty("topic").GetString());
    }
}
