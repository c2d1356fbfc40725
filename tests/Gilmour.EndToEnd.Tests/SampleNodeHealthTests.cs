using System.Diagnostics;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The health monitor watching the Python node as an operator would see it fail. The whole app host on redis-
/// server, proven through the control API; each test starts and stops its own app.
/// </summary>
public sealed class SampleNodeHealthTests
{
    [Fact]
    public async Task Killing_the_python_nodes_process_makes_it_dirty()
    {
        await using var app = await GilmourApp.StartAsync();
        var python = await app.PythonNodeAsync();
        var pythonId = python.GetProperty("id").GetString();

        using (var process = Process.GetProcessById(app.ProcessId(GilmourApp.PythonNode)))
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        var seen = "";
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await app.Control.GetAsync($"/nodes/{pythonId}");
            seen = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return response.IsSuccessStatusCode
                && JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetString() == "dirty";
        }, TimeSpan.FromSeconds(60), () => $"GET /nodes/{pythonId} answered {seen}\n{app.Logs}");
    }
}
