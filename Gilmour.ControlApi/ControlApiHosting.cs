using FastEndpoints;
using FluentValidation.Results;
using Gilmour.ControlApi.Connections;
using Gilmour.ControlApi.Documentation;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Lifecycle;
using Gilmour.ControlApi.Messaging;
using Gilmour.ControlApi.Registration;
using Gilmour.ControlApi.Security;
using Gilmour.Registry;
using Gilmour.Requests;
using Gilmour.ServiceDefaults;
using Microsoft.AspNetCore.HttpOverrides;
using Gilmour.Streaming;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gilmour.ControlApi;

public static class ControlApiHosting
{
    /// <summary>Options, the Gilmour engine (registry, requester), the node-facing services and FastEndpoints.</summary>
    public static WebApplicationBuilder AddControlApi(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ControlApiOptions>()
            .BindConfiguration(ControlApiOptions.Section)
            .Validate(o => o.DefaultRequestTimeoutSeconds > 0, "DefaultRequestTimeoutSeconds must be positive")
            .Validate(o => o.MaxRequestTimeoutSeconds >= o.DefaultRequestTimeoutSeconds,
                "MaxRequestTimeoutSeconds must be at least DefaultRequestTimeoutSeconds")
            .Validate(o => o.MaxBodyBytes > 0, "MaxBodyBytes must be positive")
            .Validate(o => o.HealthCheckTimeoutSeconds > 0, "HealthCheckTimeoutSeconds must be positive")
            .Validate(o => o.SubscriptionReadyTimeoutSeconds > 0, "SubscriptionReadyTimeoutSeconds must be positive")
            .Validate(o => o.ShutdownDrainSeconds >= 0, "ShutdownDrainSeconds may not be negative")
            .Validate(o => o.StreamHeartbeatSeconds >= 0.05, "StreamHeartbeatSeconds must be at least 0.05")
            .Validate(o => o.StreamStallSeconds >= 0.05, "StreamStallSeconds must be at least 0.05")
            .Validate(o => o.StreamBufferBytes > 0, "StreamBufferBytes must be positive")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ControlApiOptions>, NetworkSettingsValidation>();
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED (Aspire's publish output sets it) makes ASP.NET Core take X-Forwarded-For
        // from any peer as the client's address. ClientAddress decides that here, believing TrustedProxies only, and
        // reads the headers as the client's proxy sent them: the framework's version is switched off.
        services.PostConfigure<ForwardedHeadersOptions>(forwarded => forwarded.ForwardedHeaders = ForwardedHeaders.None);
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ControlApiOptions>>((kestrel, options) =>
            kestrel.Limits.MaxRequestBodySize = options.Value.MaxBodyBytes);

        services.AddSingleton(sp => new NodeRegistry(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton(sp => new AppliedRevisions(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton(sp => new Requester(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddHostedService<RedisSubscriptionsStartup>();
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(sp => sp.GetRequiredService<ShutdownDrain>());
        services.AddHealthChecks().AddCheck<ShutdownDrain>(ShutdownDrain.HealthCheckName);
        // Draining comes before the server stops and in-flight requests finish: room for both.
        services.AddOptions<HostOptions>().Configure<IOptions<ControlApiOptions>>((host, api) =>
            host.ShutdownTimeout = api.Value.ShutdownDrain + api.Value.MaxRequestTimeout);
        services.AddSingleton<ConfirmedRegistry>();
        services.AddSingleton<ClientAddress>();
        services.AddSingleton<CallbackHost>();
        services.AddSingleton<AdminKey>();
        services.AddSingleton<NodeCredentials>();
        services.AddSingleton(sp => new RegistryChanges(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetService<ILogger<RegistryChanges>>()));
        services.AddSingleton(sp => new NodeStatusCache(sp.GetRequiredService<NodeRegistry>(), sp.GetRequiredService<RegistryChanges>(),
            sp.GetRequiredService<IConnectionMultiplexer>(), TimeProvider.System));
        services.AddSingleton<PublishPermission>();
        services.AddSingleton<PublishTelemetry>();
        services.AddSingleton(sp => new StreamDeliveries(sp.GetRequiredService<IConnectionMultiplexer>()));
        services.AddSingleton<StreamNodeStatus>();
        services.AddSingleton<OpenStreams>();
        services.AddHttpClient<NodeHealthCheck>()
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
            .AsNodeClient();

        services.AddFastEndpoints();
        services.AddApiDocument();
        return builder;
    }

    /// <summary>
    /// The pipeline: failures to <c>{status}</c> answers, empty 404/405 answers as JSON, the credentials, the body
    /// guard, then the endpoints.
    /// </summary>
    public static WebApplication UseControlApi(this WebApplication app)
    {
        var drain = app.Services.GetRequiredService<ShutdownDrain>();
        app.Use((context, next) =>
        {
            // Every answer is the proxy's own unless POST /request says a responder chose its status.
            context.Response.Headers[AnsweredBy.Header] = AnsweredBy.Proxy;
            if (drain.IsDraining) context.Response.Headers.Connection = "close";
            return next(context);
        });
        app.UseMiddleware<ErrorAnswerMiddleware>();
        app.UseStatusCodePages(context => ErrorAnswerMiddleware.WriteAsync(context.HttpContext, context.HttpContext.Response.StatusCode,
            DescribeStatus(context.HttpContext)));
        app.UseMiddleware<AccessCheck>();
        app.UseMiddleware<BodyGuard>();
        app.UseFastEndpoints(config =>
        {
            ControlApiJson.Configure(config.Serializer.Options);
            var jsonOptions = config.Serializer.Options;
            config.Serializer.RequestDeserializer = (request, type, context, cancellationToken) =>
                BufferedBodyReader.ReadAsync(request, type, context?.Options ?? jsonOptions, cancellationToken);
            config.Serializer.ResponseSerializer = (response, answer, contentType, context, cancellationToken) =>
                AnswerSerializer.WriteAsync(response, answer, contentType, context?.Options ?? jsonOptions, cancellationToken);
            config.Endpoints.Configurator = endpoint => endpoint.AllowAnonymous();
            config.Errors.ProducesMetadataType = typeof(ErrorAnswer);
            config.Errors.StatusCode = StatusCodes.Status400BadRequest;
            config.Errors.ResponseBuilder = (failures, _, _) => new ErrorAnswer(ErrorMapping.Describe(failures));
            config.Binding.JsonExceptionTransformer = failure => new ValidationFailure("", ErrorMapping.Describe(failure));
        });
        app.UseApiDocument();
        return app;
    }

    private static string DescribeStatus(HttpContext context) => context.Response.StatusCode switch
    {
        StatusCodes.Status404NotFound => $"no route {context.Request.Method} {context.Request.Path}",
        StatusCodes.Status405MethodNotAllowed => $"method {context.Request.Method} is not allowed on {context.Request.Path}",
        var status => $"request failed with HTTP {status}",
    };
}
