using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// Requests and compositions from a node registered by the test, answered by the Python node's services. The whole
/// app host on redis-server, proven through the control API; each test starts and stops its own app.
/// </summary>
public sealed class SampleNodeServiceTests
{
    [Fact]
    public async Task A_request_from_a_registered_node_reaches_the_python_service_and_returns_its_answer()
    {
        await using var app = await GilmourApp.StartAsync();
        await app.PythonNodeAsync();
        await using var node = await TestNode.StartAsync();
        var id = await app.RegisterAsync(node);

        var (status, answer) = await app.RequestAsync(id, new { topic = "sample.echo", message = new { greeting = "hello", n = 7 }, timeout = 10 });

        Assert.True(status == 200, $"HTTP {status}: {answer}\n{app.Logs}");
        Assert.Equal(200, answer.GetProperty("code").GetInt32());
        var data = Assert.Single(answer.GetProperty("messages").EnumerateArray()).GetProperty("data");
        Assert.Equal("hello", data.GetProperty("greeting").GetString());
        Assert.Equal(7, data.GetProperty("n").GetInt32());

        var (badStatus, bad) = await app.RequestAsync(id, new { topic = "sample.fib", message = new { n = -1 }, timeout = 10 });
        Assert.Equal(400, badStatus);
        Assert.Contains("n must be", bad.GetProperty("messages")[0].GetProperty("data").GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_composition_pipes_the_python_echo_service_into_the_python_fib_service()
    {
        await using var app = await GilmourApp.StartAsync();
        await app.PythonNodeAsync();
        await using var node = await TestNode.StartAsync();
        var id = await app.RegisterAsync(node);

        var composition = new { pipe = new object[] { new { topic = "sample.echo" }, new { topic = "sample.fib" } } };
        var (status, answer) = await app.RequestAsync(id, new { composition, message = new { n = 20 }, timeout = 10 });

        Assert.True(status == 200, $"HTTP {status}: {answer}\n{app.Logs}");
        var result = Assert.Single(answer.GetProperty("messages").EnumerateArray());
        Assert.Equal(200, result.GetProperty("code").GetInt32());
        Assert.Equal(20, result.GetProperty("data").GetProperty("n").GetInt32());
        Assert.Equal(6765, result.GetProperty("data").GetProperty("fib").GetInt32());
    }
}
