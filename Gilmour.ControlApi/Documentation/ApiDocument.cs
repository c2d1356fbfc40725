using FastEndpoints;
using FastEndpoints.Swagger;
using Gilmour.ControlApi.Errors;

namespace Gilmour.ControlApi.Documentation;

/// <summary>
/// The OpenAPI document of the control API, generated from the endpoints (FastEndpoints.Swagger), and Swagger UI.
/// Every endpoint declares its own summary, examples and answers in its Configure (<see cref="Answers"/>). Both stay
/// open when an API key is configured: they describe the API, they give no access to it. The reference in prose is
/// docs/api.md.
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
                "on their behalf. Every error answer is {\"status\": \"<message>\"}, and every answer carries Gilmour-Answered-By " +
                "(proxy, or node when a responder chose the status of POST /request). When Gilmour:ControlApi:ApiKey is set, every " +
                "route but /health, /alive and this documentation requires the X-Api-Key header (401 otherwise), and a route " +
                "with {id} also opens with that node's token (Authorization: Bearer <the token POST /nodes answered>; 403 " +
                "for another node's token). Reference: docs/api.md.";
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
    /// Declares the answers of an endpoint: its success, then each refusal with what it means here and an example
    /// message. 401 (the API key) and 503 (Redis out of reach) apply to every route and are added unless declared.
    /// </summary>
    public static void Answers<TSuccess>(this EndpointSummary summary, int status, string meaning, TSuccess example,
        params Refusal[] refusals)
    {
        summary.Response(status, meaning, "application/json", example);
        summary.Refusals(refusals);
    }

    /// <summary>
    /// Declares an endpoint's refusals only, for a success that is not JSON (a stream): as <see cref="Answers"/> does.
    /// </summary>
    public static void Refusals(this EndpointSummary summary, params Refusal[] refusals)
    {
        foreach (var refusal in refusals) summary.Response(refusal.Status, refusal.Meaning, "application/json", new ErrorAnswer(refusal.Example));
        if (refusals.All(r => r.Status != StatusCodes.Status401Unauthorized))
            summary.Response(StatusCodes.Status401Unauthorized,
                "Gilmour:ControlApi:ApiKey is set and the credentials are missing or wrong (X-Api-Key, or on a route naming a node that node's token as Authorization: Bearer)",
                "application/json", new ErrorAnswer("missing credentials: send 'Authorization: Bearer <the node's token>' or the X-Api-Key header"));
        // A route naming a node (the routes that can answer 404) also opens with a node's token: another node's is 403.
        if (refusals.Any(r => r.Status == StatusCodes.Status404NotFound) && refusals.All(r => r.Status != StatusCodes.Status403Forbidden))
            summary.Response(StatusCodes.Status403Forbidden, Refusal.OtherNodesToken.Meaning, "application/json",
                new ErrorAnswer(Refusal.OtherNodesToken.Example));
        if (refusals.All(r => r.Status != StatusCodes.Status503ServiceUnavailable))
            summary.Response(StatusCodes.Status503ServiceUnavailable, Refusal.RedisAway.Meaning, "application/json",
                new ErrorAnswer(Refusal.RedisAway.Example));
    }
}

/// <summary>An error answer an endpoint may give: its status, what it means at that endpoint, an example message.</summary>
public sealed record Refusal(int Status, string Meaning, string Example)
{
    public static Refusal RedisAway { get; } = new(StatusCodes.Status503ServiceUnavailable,
        "the proxy cannot reach Redis right now; retry", "the proxy cannot reach Redis right now: No connection is active/available to service this operation");

    public static Refusal TooLarge { get; } = new(StatusCodes.Status413PayloadTooLarge,
        "the body is over Gilmour:ControlApi:MaxBodyBytes", ErrorMapping.TooLarge(1_048_576));

    public static Refusal NotJson { get; } = new(StatusCodes.Status415UnsupportedMediaType,
        "the body has a Content-Type other than JSON (a body without one is read as JSON)",
        "the body must be JSON (Content-Type: application/json), not text/plain");

    public static Refusal OtherNodesToken { get; } = new(StatusCodes.Status403Forbidden,
        "the bearer token belongs to another node (whether or not this node exists)",
        "this token belongs to another node: a node's token opens only the routes of its own node");

    public static Refusal UnknownNode { get; } = new(StatusCodes.Status404NotFound,
        "no node has this id (an id that is not a UUID included)", "node 0f8fad5b-d9cb-469f-a165-70867728950e not found");

    public static Refusal BadInput(string example) => new(StatusCodes.Status400BadRequest,
        "the body or query breaks a rule: the message names the field (nothing was changed)", example);
}
