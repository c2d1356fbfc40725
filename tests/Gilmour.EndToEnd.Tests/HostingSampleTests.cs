using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The Aspire integration as another application uses it: samples/HostingSample's app host adds the bus with
/// <c>AddGilmour</c> and its own .NET node with <c>.WithReference(gilmour)</c>, and nothing else.
/// </summary>
public sealed class HostingSampleTests
{
    private const string Node = "reversenode";
    private static readonly string[] Resources = ["redis", "dispatcher", "healthmonitor", "controlapi", "gilmour", Node];

    [Fact]
    public async Task Another_app_hosts_node_joins_the_bus_with_the_url_and_key_its_reference_gave_it()
    {
        var key = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        using var limit = new CancellationTokenSource(GilmourApp.StartLimit);
        string[] args = ["--Gilmour:Redis:Mode=executable", "--Gilmour:ControlApi:Port=0", $"--Parameters:gilmour-api-key={key}"];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.HostingSample_AppHost>(args, limit.Token);
        await using var app = await builder.BuildAsync(limit.Token);
        var logs = new ConcurrentQueue<string>();
        using var watching = new CancellationTokenSource();
        foreach (var resource in Resources) _ = GilmourApp.CollectLogsAsync(app, resource, logs, watching.Token);
        try
        {
            await app.StartAsync(limit.Token);
            // The node waits for the bus, and the bus for the control API and a dispatcher: once the node is healthy,
            // everything before it was.
            foreach (var resource in Resources) await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, limit.Token);

            var controlUrl = new UriBuilder(app.GetEndpoint("controlapi", "http")) { Host = "127.0.0.1" }.Uri;
            using var anonymous = new HttpClient { BaseAddress = controlUrl };
            using var control = new HttpClient { BaseAddress = controlUrl, DefaultRequestHeaders = { { "X-Api-Key", key } } };

            // The bus runs secured with the key the app host was given...
            using (var refused = await anonymous.GetAsync("/nodes"))
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

            // ...and the node registered with that same key, from its environment alone.
            JsonElement node = default;
            await Eventually.HoldsAsync(async () =>
            {
                var nodes = (await control.GetFromJsonAsync<JsonElement>("/nodes")).GetProperty("nodes").EnumerateArray();
                node = nodes.FirstOrDefault(n => n.GetProperty("services").EnumerateArray().Any(s => s.GetProperty("topic").GetString() == "hosting.sample.reverse"));
                return node.ValueKind == JsonValueKind.Object && node.GetProperty("status").GetString() == "ok";
            }, TimeSpan.FromSeconds(30), () => $"the sample node did not register\n{GilmourApp.Format(logs)}");

            // The registry says ok as soon as the node is stored; its registration is answered, and its service
            // reachable, once a dispatcher subscribed for it. Until then a request is told nobody serves the topic.
            var id = node.GetProperty("id").GetString();
            var (status, answer) = (0, default(JsonElement));
            await Eventually.HoldsAsync(async () =>
            {
                using var response = await control.PostAsJsonAsync($"/request/{id}", new { topic = "hosting.sample.reverse", message = "gilmour" });
                (status, answer) = ((int)response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
                return status != 404;
            }, TimeSpan.FromSeconds(30), () => $"nobody served hosting.sample.reverse: {answer}\n{GilmourApp.Format(logs)}");
            Assert.True(status == 200, $"request answered {status}: {answer}\n{GilmourApp.Format(logs)}");
            var reply = Assert.Single(answer.GetProperty("messages").EnumerateArray());
            Assert.Equal(200, reply.GetProperty("code").GetInt32());
            Assert.Equal("ruomlig", reply.GetProperty("data").GetString());
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
            throw new TimeoutException($"the sample app did not come up: {e.Message}\n{GilmourApp.Format(logs)}", e);
        }
        finally
        {
            await watching.CancelAsync();
        }
    }
}
