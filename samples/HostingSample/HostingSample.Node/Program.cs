using System.Net.Http.Json;
using System.Text.Json;

// A node of an application that is not the proxy's own. All it knows of the bus is what .WithReference(gilmour) put
// in its environment: GILMOUR_PROXY_URL, and GILMOUR_API_KEY when the bus is secured.
var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();

app.MapGet("/health", () => Results.Ok());
// The proxy POSTs {topic, sender, data, timeout}; the answer's body and status become the Gilmour reply.
app.MapPost("/reverse", (Delivery delivery) => delivery.Data.ValueKind == JsonValueKind.String
    ? Results.Ok(new string(delivery.Data.GetString()!.Reverse().ToArray()))
    : Results.BadRequest(new { error = "send a string" }));

await app.StartAsync();

var proxyUrl = new Uri(Environment.GetEnvironmentVariable("GILMOUR_PROXY_URL") ?? throw new InvalidOperationException("GILMOUR_PROXY_URL is not set"));
// The proxy calls a node back at the address its registration came from: register from the IPv4 loopback, where
// this node listens too, rather than from whichever address "localhost" resolves to first.
using var proxy = new HttpClient { BaseAddress = proxyUrl.IsLoopback ? new UriBuilder(proxyUrl) { Host = "127.0.0.1" }.Uri : proxyUrl };
if (Environment.GetEnvironmentVariable("GILMOUR_API_KEY") is { Length: > 0 } apiKey) proxy.DefaultRequestHeaders.Add("X-Api-Key", apiKey);

var port = new Uri(app.Urls.First()).Port;
using var registration = await proxy.PostAsJsonAsync("/nodes", new
{
    port,
    health_check = "/health",
    services = new[] { new { topic = "hosting.sample.reverse", group = "hosting-sample", path = "/reverse" } },
});
var answer = await registration.Content.ReadAsStringAsync();
if (!registration.IsSuccessStatusCode) throw new InvalidOperationException($"the proxy refused the registration: {(int)registration.StatusCode} {answer}");
app.Logger.LogInformation("Joined the bus at {Proxy}: {Answer}", proxyUrl, answer);

await app.WaitForShutdownAsync();

internal sealed record Delivery(string Topic, string Sender, JsonElement Data);
