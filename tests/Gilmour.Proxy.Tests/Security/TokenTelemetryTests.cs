using System.Diagnostics;
using System.Net;
using System.Text;
using Gilmour.Proxy.Tests.Observability;
using Gilmour.Proxy.Tests.Support;
using Gilmour.Testing;
using OpenTelemetry.Metrics;
using static Gilmour.Proxy.Tests.Security.SecuredProxyFixture;

namespace Gilmour.Proxy.Tests.Security;

/// <summary>Tokens in the secured posture, as the exported telemetry and routes declared elsewhere see them.</summary>
[Collection(InProcessHosts.Name)]
public sealed class TokenTelemetryTests(InProcessSecuredApi api) : IClassFixture<InProcessSecuredApi>
{
    [Fact]
    public async Task No_span_or_metric_carries_a_token()
    {
        await using var node = await TestNode.StartAsync();
        await using var other = await TestNode.StartAsync();
        var sender = await api.RegisterAsync(node, "\"services\":[{\"topic\":\"telemetry.echo\",\"group\":\"g\",\"path\":\"/echo\"}]");
        var bystander = await api.RegisterAsync(other);
        var forged = sender.Token[..42] + "!";

        Assert.Equal(HttpStatusCode.OK, (await api.Control.CallAsync(HttpMethod.Post, $"/request/{sender.Id}",
            Encoding.UTF8.GetBytes("""{"topic":"telemetry.echo","message":{"n":1}}"""), headers: Bearer(sender.Token))).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.Control.CallAsync(HttpMethod.Post, $"/signal/{sender.Id}",
            Encoding.UTF8.GetBytes("""{"topic":"telemetry.note"}"""), headers: Bearer(sender.Token))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await api.Control.CallAsync(HttpMethod.Get, $"/nodes/{bystander.Id}", headers: Bearer(sender.Token))).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.Control.CallAsync(HttpMethod.Get, $"/nodes/{sender.Id}",
            headers: new Dictionary<string, string> { ["Authorization"] = "Bearer " + forged })).Status);
        Assert.Equal(HttpStatusCode.OK, (await api.Control.CallAsync(HttpMethod.Get, $"/nodes/{sender.Id}/slots", headers: Bearer(sender.Token))).Status);
        await Eventually.HoldsAsync(() => api.Spans.Snapshot().Any(s => s.Kind == ActivityKind.Server
                && Texts(s).Any(t => t.Contains($"/nodes/{sender.Id}/slots", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10), () => "the last call's server span was not exported");

        var spans = api.Spans.Snapshot();
        var metrics = api.CollectMetrics();
        Assert.Contains(spans, s => s.Kind == ActivityKind.Server);
        Assert.Contains(spans, s => s.Source.Name == "Gilmour.ControlApi");
        Assert.Contains(metrics, m => m.Name == "http.server.request.duration");
        foreach (var secret in new[] { sender.Token, bystander.Token, forged })
        {
            Assert.DoesNotContain(spans, s => Texts(s).Any(t => t.Contains(secret, StringComparison.Ordinal)));
            Assert.DoesNotContain(metrics, m => TagTexts(m).Any(t => t.Contains(secret, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public async Task A_route_with_id_declared_by_any_endpoint_opens_only_for_that_node_or_the_admin_key()
    {
        await using var node = await TestNode.StartAsync();
        await using var other = await TestNode.StartAsync();
        var owner = await api.RegisterAsync(node);
        var stranger = await api.RegisterAsync(other);
        var path = InProcessSecuredApi.ExtraRoute.Replace("{id}", owner.Id).Replace("{thing}", "x");

        var anonymous = await api.Control.CallAsync(HttpMethod.Get, path);
        var otherNode = await api.Control.CallAsync(HttpMethod.Get, path, headers: Bearer(stranger.Token));
        var unknown = await api.Control.CallAsync(HttpMethod.Get, path, headers: Bearer(new string('Z', 43)));
        var own = await api.Control.CallAsync(HttpMethod.Get, path, headers: Bearer(owner.Token));
        var admin = await api.Control.CallAsync(HttpMethod.Get, path,
            headers: new Dictionary<string, string> { ["X-Api-Key"] = InProcessSecuredApi.AdminKey });

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.Forbidden, otherNode.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.Status);
        Assert.Equal(["status"], otherNode.Body.FieldNames());
        Assert.Equal(HttpStatusCode.OK, own.Status);
        Assert.Equal(owner.Id, own.Raw);
        Assert.Equal(HttpStatusCode.OK, admin.Status);
    }

    private static IEnumerable<string> Texts(Activity span)
    {
        yield return span.DisplayName;
        yield return span.OperationName;
        if (span.StatusDescription is { } status) yield return status;
        foreach (var tag in span.TagObjects) yield return $"{tag.Key}={tag.Value}";
        foreach (var item in span.Baggage) yield return $"{item.Key}={item.Value}";
        foreach (var spanEvent in span.Events)
        {
            yield return spanEvent.Name;
            foreach (var tag in spanEvent.Tags) yield return $"{tag.Key}={tag.Value}";
        }
    }

    private static IEnumerable<string> TagTexts(MetricSnapshot metric)
    {
        foreach (var point in metric.MetricPoints)
            foreach (var tag in point.Tags)
                yield return $"{tag.Key}={tag.Value}";
    }
}
