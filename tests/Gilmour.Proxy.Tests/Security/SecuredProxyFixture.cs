using System.Collections.Concurrent;
using System.Net;
using Gilmour.Proxy.Tests.Support;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>A node as registration answered it: its id and its token.</summary>
public sealed record IssuedNode(string Id, string Token);

/// <summary>
/// A proxy in the secured posture (an admin key is set), logging at Debug so that a token that reached any log line
/// would show, and two registered nodes the tests use without changing them.
/// </summary>
public sealed class SecuredProxyFixture : ProxyFixture
{
    public const string AdminKey = "operator-admin-key";

    public static readonly IReadOnlyDictionary<string, string> Admin = new Dictionary<string, string> { ["X-Api-Key"] = AdminKey };

    private readonly ConcurrentBag<string> _tokens = [];

    public IssuedNode First { get; private set; } = null!;
    public IssuedNode Second { get; private set; } = null!;

    /// <summary>Every token any registration of this fixture was answered.</summary>
    public IReadOnlyCollection<string> IssuedTokens => _tokens;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Gilmour__ControlApi__ApiKey"] = AdminKey,
        ["Logging__LogLevel__Default"] = "Debug",
        ["Logging__LogLevel__Microsoft.AspNetCore"] = "Debug",
        ["Logging__LogLevel__System.Net.Http.HttpClient"] = "Trace",
    };

    protected override async Task OnStartedAsync()
    {
        First = await RegisterAsync();
        Second = await RegisterAsync();
    }

    /// <summary>Starts a test node and registers it with the admin key.</summary>
    public async Task<IssuedNode> RegisterAsync(string fields = "")
    {
        var node = await StartNodeAsync();
        var members = fields.Length > 0 ? "," + fields : "";
        var answer = await Control.CallAsync(HttpMethod.Post, "/nodes",
            System.Text.Encoding.UTF8.GetBytes($$"""{"port":{{node.Port}}{{members}}}"""), headers: Admin);
        Assert.True(answer.Status == HttpStatusCode.Created, $"registration failed: {answer}");
        var issued = new IssuedNode(answer.Body.GetProperty("id").GetString()!, answer.Body.GetProperty("token").GetString()!);
        _tokens.Add(issued.Token);
        return issued;
    }

    public static IReadOnlyDictionary<string, string> Bearer(string token) =>
        new Dictionary<string, string> { ["Authorization"] = "Bearer " + token };
}
