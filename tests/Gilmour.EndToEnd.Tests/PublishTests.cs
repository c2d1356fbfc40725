using System.Text.Json;
using Gilmour.Testing;

namespace Gilmour.EndToEnd.Tests;

/// <summary>What the app host's publish output (the manifest azd deploys) describes.</summary>
public sealed class PublishTests(PublishedManifest manifest) : IClassFixture<PublishedManifest>
{
    private const string ApiKeyParameter = "gilmour-api-key";

    /// <summary>The sample nodes that are in this checkout (the TypeScript one is left out where its folder is not).</summary>
    private IEnumerable<string> SampleNodes =>
        new[] { "pythonnode", "typescriptnode" }.Where(node => manifest.Resources.TryGetProperty(node, out _));

    [Fact]
    public void The_manifest_azd_reads_describes_redis_the_three_services_with_their_runtime_settings_and_the_python_node()
    {
        // On a machine without Docker the run-time default would be redis-server or Garnet; a deployment gets
        // the Redis container whatever the machine that publishes has.
        Assert.Equal("container.v0", manifest.Resource("redis").GetProperty("type").GetString());
        foreach (var service in new[] { "controlapi", "dispatcher", "healthmonitor" })
        {
            var project = manifest.Resource(service);
            Assert.StartsWith("project.", project.GetProperty("type").GetString());
            Assert.Equal("{redis.connectionString}", PublishedManifest.Env(project, "ConnectionStrings__redis"));
            Assert.True(project.GetProperty("bindings").TryGetProperty("http", out _), $"{service} has no http binding");
            // A deployed service keeps the GC settings its memory figures depend on.
            Assert.Equal("0x400000", PublishedManifest.Env(project, "DOTNET_GCgen0size"));
            Assert.Equal("7", PublishedManifest.Env(project, "DOTNET_GCConserveMemory"));
        }
        Assert.True(manifest.Resource("controlapi").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());

        // The bus itself: its connection string is the control API's URL.
        Assert.Equal("{controlapi.bindings.http.url}", manifest.Resource("gilmour").GetProperty("connectionString").GetString());

        // The Python node's image installs the client package from the repository, so its build context is the root.
        var build = manifest.Resource("pythonnode").GetProperty("build");
        Assert.Equal(ServiceProcess.RepositoryRoot.TrimEnd(Path.DirectorySeparatorChar), manifest.FullPath(build.GetProperty("context").GetString()!).TrimEnd(Path.DirectorySeparatorChar));
        Assert.Equal(Path.Combine(ServiceProcess.RepositoryRoot, "Gilmour.SampleNode.Python", "Dockerfile"), manifest.FullPath(build.GetProperty("dockerfile").GetString()!));
    }

    [Fact]
    public void The_published_app_runs_secured_with_a_generated_secret_key_that_the_control_api_and_every_sample_node_get()
    {
        var parameter = manifest.Resource(ApiKeyParameter);
        Assert.Equal("parameter.v0", parameter.GetProperty("type").GetString());
        var input = parameter.GetProperty("inputs").GetProperty("value");
        Assert.True(input.GetProperty("secret").GetBoolean(), $"the key is not a secret: {parameter}");
        // azd generates it on the first deployment; nobody has to invent one.
        Assert.True(input.GetProperty("default").GetProperty("generate").GetProperty("minLength").GetInt32() >= 32, $"{parameter}");

        var key = $"{{{ApiKeyParameter}.value}}";
        Assert.Equal(key, PublishedManifest.Env(manifest.Resource("controlapi"), "Gilmour__ControlApi__ApiKey"));
        Assert.NotEmpty(SampleNodes);
        foreach (var node in SampleNodes)
            Assert.Equal(key, PublishedManifest.Env(manifest.Resource(node), "GILMOUR_API_KEY"));
        // Only the control API checks the key: the other services never see it.
        foreach (var service in new[] { "dispatcher", "healthmonitor" })
            Assert.DoesNotContain(key, manifest.Resource(service).GetProperty("env").ToString());
    }

    [Fact]
    public void The_published_sample_nodes_use_the_stream_transport_and_need_no_callback_endpoint()
    {
        Assert.NotEmpty(SampleNodes);
        foreach (var node in SampleNodes)
        {
            var resource = manifest.Resource(node);
            Assert.Equal("stream", PublishedManifest.Env(resource, "GILMOUR_TRANSPORT"));
            // The node dials out to the control API: no port, no ingress for the proxy to call.
            Assert.False(resource.TryGetProperty("bindings", out var bindings), $"{node} has bindings: {bindings}");
            Assert.False(resource.GetProperty("env").TryGetProperty("PORT", out _), $"{node} is given a PORT: {resource}");
            Assert.Equal("{controlapi.bindings.http.url}", PublishedManifest.Env(resource, "GILMOUR_PROXY_URL"));
            Assert.Equal("{controlapi.bindings.http.url}", PublishedManifest.Env(resource, "services__controlapi__http__0"));
        }
    }
}
