using System.Net;
using System.Text;
using Gilmour.Proxy.Tests.Support;

namespace Gilmour.Proxy.Tests.ControlApi;

/// <summary>A proxy whose operator set an API key, an allow-listed callback host and a small body limit.</summary>
public sealed class OperatorSettingsFixture : ProxyFixture
{
    public const string ApiKey = "s3cret-key";

    public static readonly IReadOnlyDictionary<string, string> WithKey = new Dictionary<string, string> { ["X-Api-Key"] = ApiKey };

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Gilmour__ControlApi__ApiKey"] = ApiKey,
        ["Gilmour__ControlApi__AllowedNodeHosts__0"] = "localhost",
        ["Gilmour__ControlApi__MaxBodyBytes"] = "2048",
    };
}

public sealed class OperatorSettingsTests(OperatorSettingsFixture proxy) : IClassFixture<OperatorSettingsFixture>
{
    [Theory]
    [InlineData("GET", "/nodes")]
    [InlineData("POST", "/nodes")]
    [InlineData("GET", "/nodes/00000000-0000-0000-0000-000000000000")]
    [InlineData("DELETE", "/nodes/00000000-0000-0000-0000-000000000000/slots?topic=t")]
    [InlineData("POST", "/request/00000000-0000-0000-0000-000000000000")]
    [InlineData("POST", "/signal/00000000-0000-0000-0000-000000000000")]
    [InlineData("GET", "/no-such-route")]
    public async Task Without_the_right_api_key_every_route_answers_401(string method, string path)
    {
        var body = method == "POST" ? Encoding.UTF8.GetBytes("""{"topic":"t","port":1}""") : null;

        var missing = await proxy.Control.CallAsync(new HttpMethod(method), path, body);
        var wrong = await proxy.Control.CallAsync(new HttpMethod(method), path, body,
            headers: new Dictionary<string, string> { ["X-Api-Key"] = OperatorSettingsFixture.ApiKey + "x" });

        foreach (var answer in new[] { missing, wrong })
        {
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, answer.ToString());
            Assert.Equal(new[] { "status" }, answer.Body.FieldNames());
            Assert.Contains("X-Api-Key", answer.StatusField);
        }
    }

    [Fact]
    public async Task Health_endpoints_stay_open_and_the_right_key_opens_the_api()
    {
        Assert.Equal(HttpStatusCode.OK, (await proxy.Control.GetAnswerAsync("/health")).Status);
        Assert.Equal(HttpStatusCode.OK, (await proxy.Control.GetAnswerAsync("/alive")).Status);

        var answer = await proxy.Control.CallAsync(HttpMethod.Get, "/nodes", headers: OperatorSettingsFixture.WithKey);

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal(new[] { "nodes" }, answer.Body.FieldNames());
    }

    [Fact]
    public async Task An_allow_listed_host_becomes_the_callback_host()
    {
        var node = await proxy.StartNodeAsync();
        var body = Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}},"host":"localhost"}""");

        var answer = await proxy.Control.CallAsync(HttpMethod.Post, "/nodes", body, headers: OperatorSettingsFixture.WithKey);

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        var id = answer.Body.GetProperty("id").GetString()!;
        Assert.Equal("localhost", (await proxy.Registry.GetAsync(id))!.Host);
        Assert.True(node.HealthProbes >= 1);
    }

    [Fact]
    public async Task A_host_that_is_not_allow_listed_is_refused_without_calling_it()
    {
        var node = await proxy.StartNodeAsync();
        var before = await proxy.SnapshotAsync();
        var body = Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}},"host":"127.0.0.1"}""");

        var answer = await proxy.Control.CallAsync(HttpMethod.Post, "/nodes", body, headers: OperatorSettingsFixture.WithKey);

        Assert.Equal(HttpStatusCode.Forbidden, answer.Status);
        Assert.Contains("AllowedNodeHosts", answer.StatusField);
        Assert.Equal(0, node.HealthProbes);
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_over_the_configured_limit_answers_413(bool chunked)
    {
        var before = await proxy.SnapshotAsync();
        var body = Encoding.UTF8.GetBytes($$"""{"port":1,"health_check":"/{{new string('x', 3000)}}"}""");

        var answer = await proxy.Control.CallAsync(HttpMethod.Post, "/nodes", body, headers: OperatorSettingsFixture.WithKey, chunked: chunked);

        Assert.True(answer.Status == HttpStatusCode.RequestEntityTooLarge, answer.ToString());
        Assert.Contains("2048", answer.StatusField);
        Assert.Equal(before, await proxy.SnapshotAsync());
    }
}
