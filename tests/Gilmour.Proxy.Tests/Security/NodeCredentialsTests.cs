using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Registry;
using static Gilmour.Proxy.Tests.Security.SecuredProxyFixture;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>
/// The secured posture: POST /nodes hands each node a token; the routes of a node open with that token or the
/// admin key, and refusals never tell whether the named node exists.
/// </summary>
public sealed class NodeCredentialsTests(SecuredProxyFixture proxy) : IClassFixture<SecuredProxyFixture>
{
    private const string UnknownId = "00000000-0000-4000-8000-000000000000";

    /// <summary>Well-formed (43 characters of base64url) but issued by nobody.</summary>
    private static readonly string ForeignToken = new('A', 43);

    [Fact]
    public async Task Registration_answers_a_token_that_the_registry_keeps_only_as_its_hash()
    {
        var issued = await proxy.RegisterAsync();

        Assert.Matches("^[A-Za-z0-9_-]{43}$", issued.Token);
        var raw = (string)(await proxy.Redis.GetDatabase().StringGetAsync(RegistryKeys.Node(issued.Id)))!;
        Assert.DoesNotContain(issued.Token, raw);
        using var stored = JsonDocument.Parse(raw);
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(issued.Token)));
        Assert.Equal(expectedHash, stored.RootElement.GetProperty("token_hash").GetString());
        Assert.DoesNotContain(issued.Token, await proxy.SnapshotAsync());

        var one = await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{issued.Id}", headers: Bearer(issued.Token));
        var all = await proxy.Control.CallAsync(HttpMethod.Get, "/nodes", headers: Admin);
        Assert.Equal(HttpStatusCode.OK, one.Status);
        Assert.Equal(HttpStatusCode.OK, all.Status);
        foreach (var shown in new[] { one.Raw, all.Raw })
        {
            Assert.DoesNotContain("token", shown);
            Assert.DoesNotContain(expectedHash, shown);
        }
    }

    [Fact]
    public async Task A_nodes_token_opens_every_route_of_its_node()
    {
        var issued = await proxy.RegisterAsync();

        foreach (var route in NodeRoute.All)
        {
            var answer = await proxy.Control.CallAsync(new HttpMethod(route.Method), route.PathFor(issued.Id), route.BodyBytes,
                headers: Bearer(issued.Token));

            Assert.True(RanTheEndpoint(route, answer), $"{route}: {answer}");
        }
        Assert.Null(await proxy.Registry.GetAsync(issued.Id));
    }

    [Fact]
    public async Task The_admin_key_opens_every_route_of_any_node()
    {
        var issued = await proxy.RegisterAsync();

        foreach (var route in NodeRoute.All)
        {
            var answer = await proxy.Control.CallAsync(new HttpMethod(route.Method), route.PathFor(issued.Id), route.BodyBytes, headers: Admin);

            Assert.True(RanTheEndpoint(route, answer), $"{route}: {answer}");
        }
        Assert.Null(await proxy.Registry.GetAsync(issued.Id));
    }

    /// <summary>
    /// The call got past the credentials and did its work: 200, or for the request to a topic nobody serves, the
    /// Gilmour reply (404 "No active listeners") in its usual body.
    /// </summary>
    private static bool RanTheEndpoint(NodeRoute route, Answer answer) =>
        answer.Code == 200 || (route.Template == "/request/{id}" && answer.Code == 404 && answer.Body.TryGetProperty("messages", out _));

    [Theory]
    [InlineData("GET", "/nodes")]
    [InlineData("POST", "/nodes")]
    public async Task A_nodes_token_does_not_open_the_operator_routes(string method, string path)
    {
        var before = await proxy.SnapshotAsync();
        var node = await proxy.StartNodeAsync();
        var body = method == "POST" ? Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}}""") : null;

        var answer = await proxy.Control.CallAsync(new HttpMethod(method), path, body, headers: Bearer(proxy.First.Token));

        Assert.True(answer.Status == HttpStatusCode.Unauthorized, answer.ToString());
        Assert.Equal(["status"], answer.Body.FieldNames());
        Assert.Contains("X-Api-Key", answer.StatusField);
        Assert.Equal(0, node.HealthProbes);
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(NodeRoute.Templates), MemberType = typeof(NodeRoute))]
    public async Task Another_nodes_token_is_403_alike_for_an_existing_an_unknown_and_a_malformed_id(string name)
    {
        var route = NodeRoute.Named(name);
        var before = await proxy.SnapshotAsync();

        var answers = new List<Answer>();
        foreach (var id in new[] { proxy.Second.Id, UnknownId, "not-a-uuid" })
            answers.Add(await proxy.Control.CallAsync(new HttpMethod(route.Method), route.PathFor(id), route.BodyBytes,
                headers: Bearer(proxy.First.Token)));

        foreach (var answer in answers)
        {
            Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{route}: {answer}");
            Assert.Equal(["status"], answer.Body.FieldNames());
            Assert.Equal(answers[0].Raw, answer.Raw);
        }
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Theory]
    [MemberData(nameof(NodeRoute.Templates), MemberType = typeof(NodeRoute))]
    public async Task An_unknown_token_is_401_alike_for_an_existing_an_unknown_and_a_malformed_id(string name)
    {
        var route = NodeRoute.Named(name);
        var before = await proxy.SnapshotAsync();

        var answers = new List<Answer>();
        foreach (var id in new[] { proxy.Second.Id, UnknownId, "not-a-uuid" })
            answers.Add(await proxy.Control.CallAsync(new HttpMethod(route.Method), route.PathFor(id), route.BodyBytes,
                headers: Bearer(ForeignToken)));

        foreach (var answer in answers)
        {
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{route}: {answer}");
            Assert.Equal(["status"], answer.Body.FieldNames());
            Assert.Equal(answers[0].Raw, answer.Raw);
        }
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Fact]
    public async Task The_token_of_a_deleted_node_is_401_like_a_token_never_issued()
    {
        var deleted = await proxy.RegisterAsync();
        Assert.Equal(HttpStatusCode.OK,
            (await proxy.Control.CallAsync(HttpMethod.Delete, $"/nodes/{deleted.Id}", headers: Bearer(deleted.Token))).Status);
        var before = await proxy.SnapshotAsync();

        var own = await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{deleted.Id}", headers: Bearer(deleted.Token));
        var other = await proxy.Control.CallAsync(HttpMethod.Delete, $"/nodes/{proxy.Second.Id}", headers: Bearer(deleted.Token));
        var foreign = await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{deleted.Id}", headers: Bearer(ForeignToken));

        foreach (var answer in new[] { own, other })
        {
            Assert.True(answer.Status == HttpStatusCode.Unauthorized, answer.ToString());
            Assert.Equal(foreign.Raw, answer.Raw);
        }
        Assert.NotNull(await proxy.Registry.GetAsync(proxy.Second.Id));
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    public static TheoryData<string, string> MalformedAuthorizations()
    {
        var valid = new string('A', 43);
        return new TheoryData<string, string>
        {
            { "no scheme", valid },
            { "another scheme", "Basic " + valid },
            { "a scheme only", "Bearer" },
            { "an empty token", "Bearer    " },
            { "not base64url", "Bearer " + new string('!', 43) },
            { "base64 with padding", "Bearer " + Convert.ToBase64String(new byte[32]) },
            { "one character too many", "Bearer " + valid + "A" },
            { "a 10 KB token", "Bearer " + new string('A', 10 * 1024) },
            { "two tokens in one header", "Bearer " + valid + ", Bearer " + valid },
        };
    }

    [Theory]
    [MemberData(nameof(MalformedAuthorizations))]
    public async Task A_malformed_authorization_header_is_401_changes_nothing_and_is_not_quoted(string what, string authorization)
    {
        var before = await proxy.SnapshotAsync();

        foreach (var route in NodeRoute.All)
        {
            var answer = await proxy.Control.CallAsync(new HttpMethod(route.Method), route.PathFor(proxy.Second.Id), route.BodyBytes,
                headers: new Dictionary<string, string> { ["Authorization"] = authorization });

            Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{what}, {route}: {answer}");
            Assert.Equal(["status"], answer.Body.FieldNames());
            Assert.Contains("Authorization", answer.StatusField);
            Assert.DoesNotContain(new string('A', 43), answer.Raw);
        }
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Fact]
    public async Task Two_authorization_headers_are_401_even_when_both_hold_the_right_token()
    {
        var before = await proxy.SnapshotAsync();
        var line = "Authorization: Bearer " + proxy.Second.Token;

        var (status, body) = await RawRequest.SendAsync(proxy.Harness.Control.BaseAddress!, "DELETE", $"/nodes/{proxy.Second.Id}", [line, line]);

        Assert.Equal(401, status);
        using var answer = JsonDocument.Parse(body);
        Assert.Equal(["status"], answer.RootElement.FieldNames());
        Assert.Contains("several Authorization headers", answer.RootElement.GetProperty("status").GetString());
        Assert.DoesNotContain(proxy.Second.Token, body);
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_empty_api_key_is_401_even_beside_the_right_token(bool withToken)
    {
        var before = await proxy.SnapshotAsync();
        var lines = new List<string> { "X-Api-Key: " };
        if (withToken) lines.Add("Authorization: Bearer " + proxy.Second.Token);

        var (deleteStatus, deleteBody) = await RawRequest.SendAsync(proxy.Harness.Control.BaseAddress!, "DELETE", $"/nodes/{proxy.Second.Id}", lines);
        var (listStatus, listBody) = await RawRequest.SendAsync(proxy.Harness.Control.BaseAddress!, "GET", "/nodes", lines);

        foreach (var (status, body) in new[] { (deleteStatus, deleteBody), (listStatus, listBody) })
        {
            Assert.Equal(401, status);
            using var answer = JsonDocument.Parse(body);
            Assert.Equal("empty X-Api-Key header", answer.RootElement.GetProperty("status").GetString());
        }
        Assert.Equal(before, await proxy.SnapshotAsync());
    }

    [Fact]
    public async Task No_token_reaches_any_log_line_of_any_service()
    {
        var issued = await proxy.RegisterAsync("""
            "services":[{"topic":"secured.logged","group":"g","path":"/logged"}]
            """);
        var forged = "Bearer " + issued.Token[..20] + "!" + issued.Token[21..];
        await proxy.Control.CallAsync(HttpMethod.Post, $"/request/{issued.Id}", Encoding.UTF8.GetBytes("""{"topic":"secured.logged","message":{"n":1}}"""),
            headers: Bearer(issued.Token));
        await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{proxy.Second.Id}", headers: Bearer(issued.Token));
        await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{issued.Id}", headers: new Dictionary<string, string> { ["Authorization"] = forged });
        await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{issued.Id}", headers: new Dictionary<string, string> { ["Authorization"] = issued.Token });
        // The hosting log's line for this last call shows the output has caught up with every call before it.
        var marker = $"/nodes/{issued.Id}?logged-up-to-here";
        await proxy.Control.CallAsync(HttpMethod.Get, marker, headers: Bearer(issued.Token));
        var api = proxy.Harness.Service(Gilmour.Testing.ProxyHarness.ControlApi);
        await Gilmour.Testing.Eventually.HoldsAsync(() => api.Output.Contains("logged-up-to-here - 200", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), () => "the ControlApi never logged the marker call:\n" + api.Output);

        var logs = proxy.Harness.Logs;
        Assert.Contains("Request finished", logs);
        foreach (var token in proxy.IssuedTokens)
            Assert.DoesNotContain(token, logs);
        Assert.DoesNotContain(forged[7..], logs);
    }
}
