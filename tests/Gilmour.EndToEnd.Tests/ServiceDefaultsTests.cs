using System.Net;
using System.Net.Sockets;
using Gilmour.ServiceDefaults;
using Gilmour.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gilmour.EndToEnd.Tests;

/// <summary>Gilmour.ServiceDefaults in a real Kestrel host, against a real Redis and a real HTTP node.</summary>
public sealed class ServiceDefaultsTests
{
    [Fact]
    public async Task Health_and_alive_are_mapped_outside_development_and_health_covers_redis()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync();
        await using var service = await StartServiceAsync(redis.ConnectionString);

        // The first check connects to Redis, which a loaded machine may not finish within the check's timeout: the
        // service is healthy once it answers 200, as a platform's probe finds it.
        var health = HttpStatusCode.ServiceUnavailable;
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await service.Http.GetAsync("/health");
            health = response.StatusCode;
            return health == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(60), () => $"/health answers {(int)health} with Redis up");
        using var alive = await service.Http.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

        await redis.StopAsync();

        using var healthWithoutRedis = await service.Http.GetAsync("/health");
        using var aliveWithoutRedis = await service.Http.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, healthWithoutRedis.StatusCode);
        Assert.Equal(HttpStatusCode.OK, aliveWithoutRedis.StatusCode);
    }

    [Fact]
    public async Task Health_answers_unhealthy_within_the_check_timeout_when_redis_hangs()
    {
        // Accepts connections and never answers: a Redis behind a dead network path.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        await using var service = await StartServiceAsync($"127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}");

        using var health = await service.Http.GetAsync("/health");

        // Answered rather than hung, and ended by the check's own timeout, not by however long Redis would take: every
        // check is bounded by it, and the Redis check's report says it was cancelled.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var registrations = service.App.Services.GetRequiredService<IOptions<HealthCheckServiceOptions>>().Value.Registrations;
        Assert.NotEmpty(registrations);
        Assert.All(registrations, registration => Assert.Equal(Extensions.HealthCheckTimeout, registration.Timeout));
        var report = await service.App.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync();
        var redis = report.Entries[RedisConnectivityHealthCheck.Name];
        Assert.Equal(HealthStatus.Unhealthy, redis.Status);
        Assert.IsAssignableFrom<OperationCanceledException>(redis.Exception);
    }

    [Fact]
    public async Task Outgoing_clients_retry_by_default_but_a_node_client_without_resilience_handlers_calls_once()
    {
        await using var node = await TestNode.StartAsync();
        node.Handle("/deliver", _ => new NodeAnswer(503, "{}"));
        var builder = Host.CreateApplicationBuilder();
        builder.AddServiceDefaults();
#pragma warning disable EXTEXP0001 // RemoveAllResilienceHandlers is marked experimental; it is how node clients opt out.
        builder.Services.AddHttpClient("node-delivery").RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        using var host = builder.Build();
        var clients = host.Services.GetRequiredService<IHttpClientFactory>();
        var url = $"http://127.0.0.1:{node.Port}/deliver";

        using (var delivery = await clients.CreateClient("node-delivery").PostAsync(url, new StringContent("{}")))
            Assert.Equal(HttpStatusCode.ServiceUnavailable, delivery.StatusCode);
        Assert.Single(node.DeliveriesTo("/deliver"));

        // The standard handler waits seconds between retries; seeing the second attempt is enough.
        using var stop = new CancellationTokenSource();
        var retried = clients.CreateClient("anything-else").PostAsync(url, new StringContent("{}"), stop.Token);
        await node.WaitForDeliveriesAsync("/deliver", 3, TimeSpan.FromSeconds(60));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retried);
    }

    private static async Task<RunningService> StartServiceAsync(string redisConnectionString)
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration["ConnectionStrings:redis"] = redisConnectionString;
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.AddServiceDefaults();
        var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        return new RunningService(app, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) });
    }

    private sealed record RunningService(WebApplication App, HttpClient Http) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await App.StopAsync();
            await App.DisposeAsync();
        }
    }
}
