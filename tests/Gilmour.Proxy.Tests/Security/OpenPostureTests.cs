using System.Net;
using System.Security.Cryptography;
using System.Text;
using Gilmour.Proxy.Tests.Support;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>Without an admin key the API stays open as it always was, but every node still gets a token.</summary>
public sealed class OpenPostureTests(ProxyFixture proxy) : IClassFixture<ProxyFixture>
{
    [Fact]
    public async Task A_token_is_issued_and_stored_as_its_hash()
    {
        var node = await proxy.StartNodeAsync();

        var answer = await proxy.Control.RegisterAsync(node.Port);

        Assert.True(answer.Status == HttpStatusCode.Created, answer.ToString());
        var token = answer.Body.GetProperty("token").GetString()!;
        Assert.Matches("^[A-Za-z0-9_-]{43}$", token);
        var stored = (await proxy.Registry.GetAsync(answer.Body.GetProperty("id").GetString()!))!;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token))), stored.TokenHash);
    }

    [Theory]
    [InlineData("Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("Basic whatever")]
    [InlineData("Bearer")]
    public async Task An_authorization_header_is_ignored(string authorization)
    {
        var node = await proxy.StartNodeAsync();
        var id = await proxy.Control.RegisterNodeAsync(node.Port);
        var headers = new Dictionary<string, string> { ["Authorization"] = authorization };

        var read = await proxy.Control.CallAsync(HttpMethod.Get, $"/nodes/{id}", headers: headers);
        var list = await proxy.Control.CallAsync(HttpMethod.Get, "/nodes", headers: headers);
        var removed = await proxy.Control.CallAsync(HttpMethod.Delete, $"/nodes/{id}", headers: headers);

        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(HttpStatusCode.OK, list.Status);
        Assert.Equal(HttpStatusCode.OK, removed.Status);
        Assert.Null(await proxy.Registry.GetAsync(id));
    }
}
