using System.Net;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>The ControlApi process, with an API key set, and the Redis it needs.</summary>
public sealed class KeyedControlApi : IAsyncLifetime
{
    public const string Key = "documented-key";

    private readonly RedisServer _redis = new();

    public ServiceProcess Service { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        Service = await ServiceProcess.StartAsync("Gilmour.ControlApi", _redis.ConnectionString,
            new Dictionary<string, string> { ["Gilmour__ControlApi__ApiKey"] = Key });
        Http = new HttpClient { BaseAddress = Service.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Service.DisposeAsync();
        await _redis.StopAsync();
    }
}

/// <summary>The OpenAPI document covers the whole control API of docs/api.md, as each endpoint declares it.</summary>
public sealed class ApiDocumentTests(KeyedControlApi api) : IClassFixture<KeyedControlApi>
{
    /// <summary>Every route, and the error statuses each can answer beyond 401 (docs/api.md).</summary>
    public static TheoryData<string, string, int[]> Routes => new()
    {
        { "post", "/nodes", [400, 403, 413, 502, 503] },
        { "get", "/nodes", [] },
        { "get", "/nodes/{id}", [404] },
        { "delete", "/nodes/{id}", [404] },
        { "post", "/nodes/{id}/activate", [404, 502] },
        { "post", "/nodes/{id}/slots", [400, 404, 409, 413] },
        { "get", "/nodes/{id}/slots", [404] },
        { "delete", "/nodes/{id}/slots", [400, 404] },
        { "post", "/nodes/{id}/services", [400, 404, 409, 413] },
        { "get", "/nodes/{id}/services", [404] },
        { "delete", "/nodes/{id}/services", [400, 404] },
        { "post", "/request/{id}", [400, 404, 413, 499, 503] },
        { "post", "/signal/{id}", [400, 404, 413, 503] },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task The_openapi_document_has_every_route_with_its_error_statuses(string method, string route, int[] errors)
    {
        using var document = await DocumentAsync();

        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty(route, out var path), $"{route} is not in the document");
        Assert.True(path.TryGetProperty(method, out var operation), $"{method} {route} is not in the document");
        var responses = operation.GetProperty("responses");
        foreach (var status in errors.Append(401))
            Assert.True(responses.TryGetProperty(status.ToString(), out _), $"{method} {route} does not document {status}");
    }

    [Fact]
    public async Task Bodies_are_documented_with_snake_case_fields()
    {
        using var document = await DocumentAsync();
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        Assert.Equal(["health_check", "port", "services", "slots"], Fields(schemas, "RegisterNodeRequest", ["health_check", "port", "services", "slots"]));
        Assert.Equal(["composition", "message", "timeout", "topic"], Fields(schemas, "PublishRequestBody", ["composition", "message", "timeout", "topic"]));
        Assert.Equal(["code", "length", "messages"], Fields(schemas, "PublishRequestResponse", ["code", "length", "messages"]));
        Assert.Equal(["status"], Fields(schemas, "ErrorAnswer", ["status"]));
    }

    [Fact]
    public async Task Only_the_fields_a_client_must_send_are_marked_required()
    {
        using var document = await DocumentAsync();
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        // port is required of a callback node only: a node with transport stream or none has none.
        Assert.Equal([], Required(schemas, "RegisterNodeRequest"));
        Assert.Equal(["path", "topic"], Required(schemas, "SubscriptionInput"));
    }

    private static string[] Required(JsonElement schemas, string schema) =>
        schemas.GetProperty(schema).TryGetProperty("required", out var required)
            ? [.. required.EnumerateArray().Select(e => e.GetString()!).Order(StringComparer.Ordinal)]
            : [];

    [Fact]
    public async Task Registration_answers_201_and_every_operation_has_a_summary()
    {
        using var document = await DocumentAsync();
        var paths = document.RootElement.GetProperty("paths");

        var register = paths.GetProperty("/nodes").GetProperty("post").GetProperty("responses");
        Assert.True(register.TryGetProperty("201", out _), "POST /nodes does not document 201");
        Assert.False(register.TryGetProperty("200", out _), "POST /nodes documents 200, but answers 201");
        foreach (var (route, method, operation) in Operations(paths))
            Assert.False(string.IsNullOrWhiteSpace(operation.TryGetProperty("summary", out var summary) ? summary.GetString() : null),
                $"{method} {route} has no summary");
    }

    [Fact]
    public async Task Every_error_answer_is_shown_with_a_message()
    {
        using var document = await DocumentAsync();

        foreach (var (route, method, operation) in Operations(document.RootElement.GetProperty("paths")))
            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                // A success that is not JSON (the event stream of GET /nodes/{id}/stream) has no error schema to check.
                if (!response.Value.TryGetProperty("content", out var content) || !content.TryGetProperty("application/json", out var media))
                {
                    Assert.True(response.Name[0] == '2', $"{method} {route} {response.Name} is an error answer that is not JSON");
                    continue;
                }
                if (!media.GetProperty("schema").GetProperty("$ref").GetString()!.EndsWith("/ErrorAnswer", StringComparison.Ordinal))
                {
                    Assert.True(response.Name[0] == '2' || route == "/request/{id}", $"{method} {route} {response.Name} is not an error answer");
                    continue;
                }
                var example = media.GetProperty("example");
                Assert.Equal(["status"], example.EnumerateObject().Select(p => p.Name));
                Assert.False(string.IsNullOrWhiteSpace(example.GetProperty("status").GetString()), $"{method} {route} {response.Name}: empty message");
            }
    }

    [Fact]
    public async Task Every_request_example_passes_validation()
    {
        using var document = await DocumentAsync();
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var tried = 0;

        foreach (var (route, method, operation) in Operations(document.RootElement.GetProperty("paths")))
        {
            if (!operation.TryGetProperty("requestBody", out var body)) continue;
            foreach (var example in Examples(body.GetProperty("content").GetProperty("application/json"), schemas))
            {
                // An unknown node id: an example that passes validation gets as far as looking the node up (404), or for
                // a registration as far as its health pre-check (502 when nothing listens on the example's port; 503 when
                // something does, since no dispatcher runs here).
                using var call = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), route.Replace("{id}", Guid.NewGuid().ToString()))
                {
                    Content = new StringContent(example.GetRawText(), System.Text.Encoding.UTF8, "application/json"),
                };
                call.Headers.Add("X-Api-Key", KeyedControlApi.Key);
                using var answer = await api.Http.SendAsync(call);

                Assert.True(answer.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable,
                    $"{method} {route} with its example {example.GetRawText()}: {(int)answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                tried++;
            }
        }
        Assert.True(tried >= 6, $"only {tried} request examples in the document");
    }

    /// <summary>The examples of a request body: named ones, a single one, or the one on its schema.</summary>
    private static IEnumerable<JsonElement> Examples(JsonElement media, JsonElement schemas)
    {
        if (media.TryGetProperty("examples", out var named))
            return named.EnumerateObject().Select(e => e.Value.GetProperty("value"));
        if (media.TryGetProperty("example", out var single)) return [single];
        var reference = media.GetProperty("schema").GetProperty("$ref").GetString()!.Split('/')[^1];
        return schemas.GetProperty(reference).TryGetProperty("example", out var onSchema) ? [onSchema] : [];
    }

    private static IEnumerable<(string Route, string Method, JsonElement Operation)> Operations(JsonElement paths) =>
        from path in paths.EnumerateObject()
        from operation in path.Value.EnumerateObject()
        select (path.Name, operation.Name, operation.Value);

    [Fact]
    public async Task The_document_and_its_page_are_open_while_the_api_itself_wants_the_key()
    {
        using var page = await api.Http.GetAsync("/swagger");
        var nodes = await api.Http.GetAsync("/nodes");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.Unauthorized, nodes.StatusCode);
    }

    private async Task<JsonDocument> DocumentAsync()
    {
        using var answer = await api.Http.GetAsync("/swagger/v1/swagger.json");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        return JsonDocument.Parse(await answer.Content.ReadAsStreamAsync());
    }

    /// <summary>Which of <paramref name="expected"/> the schema's properties hold, in that order.</summary>
    private static string[] Fields(JsonElement schemas, string schema, string[] expected)
    {
        Assert.True(schemas.TryGetProperty(schema, out var found), $"no schema {schema} among {string.Join(", ", schemas.EnumerateObject().Select(p => p.Name))}");
        var properties = found.GetProperty("properties");
        return [.. expected.Where(name => properties.TryGetProperty(name, out _))];
    }
}
