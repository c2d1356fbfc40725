using System.Text;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>One call at a route that names a node, with a body the route accepts.</summary>
public sealed record NodeRoute(string Method, string Template, string? Body)
{
    public string PathFor(string id) => Template.Replace("{id}", id, StringComparison.Ordinal);

    public byte[]? BodyBytes => Body is null ? null : Encoding.UTF8.GetBytes(Body);

    public override string ToString() => $"{Method} {Template}";

    /// <summary>Every route with {id} in its pattern, each with a valid call.</summary>
    public static readonly IReadOnlyList<NodeRoute> All =
    [
        new("GET", "/nodes/{id}", null),
        new("POST", "/nodes/{id}/activate", null),
        new("POST", "/nodes/{id}/slots", """{"topic":"secured.slot","path":"/slot"}"""),
        new("GET", "/nodes/{id}/slots", null),
        new("DELETE", "/nodes/{id}/slots?topic=secured.slot", null),
        new("POST", "/nodes/{id}/services", """{"topic":"secured.service","group":"g","path":"/service"}"""),
        new("GET", "/nodes/{id}/services", null),
        new("DELETE", "/nodes/{id}/services?topic=secured.service", null),
        new("POST", "/signal/{id}", """{"topic":"secured.signal","message":{"n":1}}"""),
        new("POST", "/request/{id}", """{"topic":"secured.nobody","timeout":1}"""),
        // A batch of replies answers 200 with each reply's fate (here 404: no such delivery).
        new("POST", "/nodes/{id}/replies", """{"replies":[{"id":"0123456789abcdef0123456789abcdef","data":1}]}"""),
        new("DELETE", "/nodes/{id}", null),
    ];

    public static TheoryData<string> Templates()
    {
        var data = new TheoryData<string>();
        foreach (var route in All) data.Add(route.Method + " " + route.Template);
        return data;
    }

    public static NodeRoute Named(string name) => All.Single(route => route.Method + " " + route.Template == name);
}
