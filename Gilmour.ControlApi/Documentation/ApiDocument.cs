using FastEndpoints;
using FastEndpoints.Swagger;
using Gilmour.ControlApi.Errors;
using Gilmour.ControlApi.Features.Publishing.Request;

namespace Gilmour.ControlApi.Documentation;

/// <summary>
/// The OpenAPI document of the control API, generated from the endpoints (FastEndpoints.Swagger), and Swagger UI.
/// Both stay open when an API key is configured: they describe the API, they give no access to it.
/// </summary>
public static class ApiDocument
{
    public const string DocumentPath = "/swagger/v1/swagger.json";
    public const string UiPath = "/swagger";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.SwaggerDocument(document =>
    {
        document.ShortSchemaNames = true;
        document.SerializerSettings = serializer => ControlApiJson.Configure(serializer);
        document.DocumentSettings = settings =>
        {
            settings.DocumentName = "v1";
            settings.Title = "Gilmour Proxy control API";
            settings.Version = "v1";
            settings.Description = "Register nodes, manage their slots and services, and publish Gilmour requests and signals " +
                "on their behalf. Every error answer is {\"status\": \"<message>\"}. When Gilmour:ControlApi:ApiKey is set, every " +
                "route but /health, /alive and this documentation requires the X-Api-Key header (401 otherwise).";
        };
    });

    public static WebApplication UseApiDocument(this WebApplication app)
    {
        app.UseSwaggerGen(uiConfig: ui => ui.Path = UiPath);
        return app;
    }

    /// <summary>The document and the UI's pages, open like the health endpoints.</summary>
    public static bool IsDocumentation(PathString path) => path.StartsWithSegments(UiPath, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// DESIGN.md's error table, per route: which failures each endpoint can answer with <c>{status}</c>. One place,
    /// so that the document cannot drift endpoint by endpoint.
    /// </summary>
    public static void DescribeErrors(EndpointDefinition endpoint)
    {
        var route = endpoint.Routes[0];
        var verb = endpoint.Verbs[0];
        var hasNode = route.Contains("{id}", StringComparison.Ordinal);
        var hasBody = verb == "POST" && route is not "/nodes/{id}/activate";
        var publishes = route.StartsWith("/request/", StringComparison.Ordinal) || route.StartsWith("/signal/", StringComparison.Ordinal);
        endpoint.Description(builder =>
        {
            if (hasBody || route.EndsWith("/slots", StringComparison.Ordinal) || route.EndsWith("/services", StringComparison.Ordinal))
                builder.Produces<ErrorAnswer>(StatusCodes.Status400BadRequest, "application/json");
            builder.Produces<ErrorAnswer>(StatusCodes.Status401Unauthorized, "application/json");
            if (route == "/nodes" && verb == "POST")
                builder.Produces<ErrorAnswer>(StatusCodes.Status403Forbidden, "application/json");
            if (hasNode)
                builder.Produces<ErrorAnswer>(StatusCodes.Status404NotFound, "application/json");
            // A stream for a node that does not dial out; activating one that does.
            if ((verb == "POST" && route is "/nodes/{id}/slots" or "/nodes/{id}/services" or "/nodes/{id}/activate") || route == "/nodes/{id}/stream")
                builder.Produces<ErrorAnswer>(StatusCodes.Status409Conflict, "application/json");
            // A reply after its request ended.
            if (route == "/nodes/{id}/replies/{delivery}")
                builder.Produces<ErrorAnswer>(StatusCodes.Status410Gone, "application/json");
            if (hasBody)
                builder.Produces<ErrorAnswer>(StatusCodes.Status413PayloadTooLarge, "application/json");
            if (route is "/nodes" or "/nodes/{id}/activate" && verb == "POST")
                builder.Produces<ErrorAnswer>(StatusCodes.Status502BadGateway, "application/json");
            // Publishing: the node is not ok. Registering: no dispatcher made the subscriptions live in time.
            if (publishes || (route == "/nodes" && verb == "POST") || route == "/nodes/{id}/stream")
                builder.Produces<ErrorAnswer>(StatusCodes.Status503ServiceUnavailable, "application/json");
            if (route.StartsWith("/request/", StringComparison.Ordinal))
            {
                // The HTTP status of a request is its highest reply code: Gilmour's 499 (timed out), or whatever a
                // responder answered, with the same body as a 200.
                builder.Produces<PublishRequestResponse>(499, "application/json");
                builder.Produces<PublishRequestResponse>(StatusCodes.Status500InternalServerError, "application/json");
            }
        });
    }
}
