using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Gilmour.Hosting.Redis;

internal static class RedisBackboneExtensions
{
    private const string EndpointName = "tcp";

    /// <summary>
    /// The Redis the bus runs on: <paramref name="given"/> when the app host names one of its own, else the one the
    /// configuration (<c>Gilmour:Redis:Mode</c>) and the machine call for.
    /// </summary>
    public static RedisBackbone AddRedisBackbone(this IDistributedApplicationBuilder builder, IResourceBuilder<IResourceWithConnectionString>? given)
    {
        var choice = given is null
            ? Choose(builder)
            : new RedisChoice(RedisMode.External, $"the app host gave the bus its resource '{given.Resource.Name}'");
        builder.Eventing.Subscribe<BeforeStartEvent>((started, _) =>
        {
            started.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gilmour.Hosting")
                .LogInformation("Redis: {Mode}, because {Reason}", choice.Mode.ToString().ToLowerInvariant(), choice.Reason);
            return Task.CompletedTask;
        });
        if (given is not null) return new RedisBackbone(choice, given, Server: given);

        return choice.Mode switch
        {
            RedisMode.Container => Container(builder, choice),
            RedisMode.Executable => Local(builder, choice, builder.AddExecutable(RedisBackbone.Name, "redis-server", builder.AppHostDirectory),
                // A disposable store: the registry is rebuilt by nodes registering again, and nothing is written to disk.
                "--save", "", "--appendonly", "no"),
            RedisMode.Garnet => Local(builder, choice, builder.AddProject<GarnetProject>(RedisBackbone.Name)),
            RedisMode.External => new RedisBackbone(choice, builder.AddConnectionString(RedisBackbone.Name), Server: null),
            _ => throw new InvalidOperationException($"unknown Redis mode {choice.Mode}"),
        };
    }

    /// <summary>
    /// References the Redis as <c>ConnectionStrings:redis</c> and waits until it answers: what every Gilmour service
    /// needs before it starts.
    /// </summary>
    public static IResourceBuilder<T> WithRedis<T>(this IResourceBuilder<T> resource, RedisBackbone redis)
        where T : IResourceWithEnvironment, IResourceWithWaitSupport
    {
        resource.WithReference(redis.Connection, RedisBackbone.Name);
        return redis.Server is null ? resource : resource.WaitFor(redis.Server);
    }

    private static RedisChoice Choose(IDistributedApplicationBuilder builder)
    {
        var configured = RedisModeSelection.Parse(builder.Configuration[RedisModeSelection.ConfigurationKey]);
        var publishing = builder.ExecutionContext.IsPublishMode;
        if (configured != RedisMode.Auto || publishing)
            return RedisModeSelection.Choose(configured, publishing, containerRuntime: null, redisServerPath: null);

        var (runtime, problem) = ContainerRuntimeProbe.FindHealthy(builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]);
        return RedisModeSelection.Choose(configured, publishing, runtime, ExecutableSearch.OnPath("redis-server"), problem);
    }

    private static RedisBackbone Container(IDistributedApplicationBuilder builder, RedisChoice choice)
    {
        var redis = builder.AddRedis(RedisBackbone.Name);
        return new RedisBackbone(choice, redis, redis);
    }

    /// <summary>
    /// A server process of the app host's own (redis-server or Garnet): on loopback, on a port the orchestrator
    /// picks (so parallel app hosts never collide), health-checked with PING.
    /// </summary>
    private static RedisBackbone Local<T>(IDistributedApplicationBuilder builder, RedisChoice choice, IResourceBuilder<T> server, params string[] extraArgs)
        where T : class, IResourceWithEndpoints, IResourceWithArgs
    {
        // Not proxied: the orchestrator's proxy would add a hop to every Redis command.
        server.WithEndpoint(name: EndpointName, scheme: "tcp", isProxied: false);
        var endpoint = server.GetEndpoint(EndpointName);
        server.WithArgs(context =>
        {
            context.Args.Add("--port");
            context.Args.Add(endpoint.Property(EndpointProperty.TargetPort));
            context.Args.Add("--bind");
            context.Args.Add(RedisBackbone.Loopback);
            foreach (var arg in extraArgs) context.Args.Add(arg);
        });

        var healthCheck = $"{RedisBackbone.Name}-ping";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheck, _ => new RedisPingHealthCheck(endpoint), failureStatus: null, tags: null));
        server.WithHealthCheck(healthCheck);

        var connection = builder.AddConnectionString($"{RedisBackbone.Name}-connection",
            ReferenceExpression.Create($"{RedisBackbone.Loopback}:{endpoint.Property(EndpointProperty.Port)}"));
        return new RedisBackbone(choice, connection, server);
    }
}
