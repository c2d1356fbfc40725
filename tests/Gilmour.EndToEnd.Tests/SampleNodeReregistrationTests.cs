using System.Net.Http.Json;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The client module keeps its node registered: when the proxy no longer knows it, it registers again by itself.
/// The whole app host on redis-server; the test starts and stops its own app.
/// </summary>
public sealed class SampleNodeReregistrationTests
{
    [Fact]
    public async Task A_python_node_the_proxy_forgot_registers_again_by_itself_and_serves_again()
    {
        await using var app = await GilmourApp.StartAsync();
        var forgotten = (await app.PythonNodeAsync()).GetProperty("id").GetString();

        using (var deleted = await app.Control.DeleteAsync($"/nodes/{forgotten}"))
            Assert.True(deleted.IsSuccessStatusCode, $"DELETE answered {(int)deleted.StatusCode}");

        string? current = null;
        await Eventually.HoldsAsync(async () =>
        {
            current = (await app.Python.GetFromJsonAsync<JsonElement>("/node")).GetProperty("id").GetString();
            return current is not null && current != forgotten;
        }, TimeSpan.FromSeconds(60), () => $"the Python node still reports {current}\n{app.Logs}");
        var python = await app.PythonNodeAsync();
        Assert.Equal(current, python.GetProperty("id").GetString());
        Assert.Equal("ok", python.GetProperty("status").GetString());

        await using var node = await TestNode.StartAsync();
        var id = await app.RegisterAsync(node);
        var (status, answer) = await app.RequestAsync(id, new { topic = "sample.echo", message = "again", timeout = 10 });
        Assert.True(status == 200, $"HTTP {status}: {answer}\n{app.Logs}");
        Assert.Equal("again", answer.GetProperty("messages")[0].GetProperty("data").GetString());
    }
}
