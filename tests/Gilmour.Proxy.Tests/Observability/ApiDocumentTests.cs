using System.Net;
using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.Proxy.Tests.Observability;

/// <summary>The ControlApi process, with an API key set, and the Redis it needs.</summary>
public sealed class KeyedControlApi : IAsyncLifetime
{
    private readonly RedisServer _redis = new();

    public ServiceProcess Service { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await _redis.StartAsync();
        Service = await ServiceProcess.StartAsync("Gilmour.ControlApi", _redis.ConnectionString,
            new Dictionary<string, string> { ["Gilmour__ControlApi__ApiKey"] = "documented-key" });
        Http = new HttpClient { BaseAddress = Service.BaseAddress };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Service.DisposeAsync();
        await _redis.StopAsync();
    }
}

/// <summary>Issue 7, part 3: the OpenAPI document covers DESIGN.md's control API.</summary>
public sealed class ApiDocumentTests(KeyedControlApi api) : IClassFixture<KeyedControlApi>
{
    /// <summary>DESIGN.md "Control API": every route, and the error statuses each can answer beyond 401.</summary>
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
    public async Task The_openapi_document_has_every_design_route_with_its_error_statuses(string method, string route, int[] errors)
    {
        using var document = await DocumentAsync();

        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty(route, out var path), $"{route} is not in the document");
        Assert.True(path.TryGetProperty(method, out var operation), $"{method} {route} is not in the document");
        var responses = operation.GetProperty("responses");
        foreach (var status in errors.Append(401))
            Assert.True(responses.TryGetProperty(status.ToString(), out _), $"{method} {route} does not document {status}");
    }

    [Fact]
    public async Task Bodies_are_documented_with_designs_snake_case_fields()
    {
        using var document = await DocumentAsync();
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        Assert.Equal(["health_check", "port", "services", "slots"], Fields(schemas, "RegisterNodeRequest", ["health_check", "port", "services", "slots"]));
        Assert.Equal(["composition", "message", "timeout", "topic"], Fields(schemas, "PublishRequestRequest", ["composition", "message", "timeout", "topic"]));
        Assert.Equal(["code", "length", "messages"], Fields(schemas, "PublishRequestResponse", ["code", "length", "messages"]));
        Assert.Equal(["status"], Fields(schemas, "ErrorAnswer", ["status"]));
    }

    [Fact]
    public async Task Only_the_fields_design_requires_are_marked_required()
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
