using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Gilmour.Hosting;

namespace Gilmour.EndToEnd.Tests;

/// <summary>
/// The app host's resources as it describes them for a local run, without starting any: who gets a key, which
/// transport the sample nodes use, what waits for what.
/// </summary>
public sealed class AppModelTests
{
    private const string KeyParameter = "gilmour-api-key";

    [Fact]
    public async Task A_local_run_without_a_key_runs_open_and_hands_no_key_to_anyone()
    {
        var resources = await ModelAsync();

        Assert.DoesNotContain(resources, r => r.Name == KeyParameter);
        Assert.Null(Single<GilmourResource>(resources).ApiKey);
        Assert.False((await EnvironmentAsync(resources, "controlapi")).ContainsKey("Gilmour__ControlApi__ApiKey"));
        Assert.False((await EnvironmentAsync(resources, "pythonnode")).ContainsKey(NodeEnvironment.ApiKey));
    }

    [Fact]
    public async Task A_key_set_for_a_local_run_becomes_a_secret_parameter_for_the_control_api_and_the_nodes_and_is_never_passed_in_plain()
    {
        const string key = "a-key-the-user-chose-for-this-run";
        var resources = await ModelAsync($"--Gilmour:ControlApi:ApiKey={key}");

        var parameter = Assert.IsType<ParameterResource>(resources.Single(r => r.Name == KeyParameter));
        Assert.True(parameter.Secret);
        Assert.Same(parameter, Single<GilmourResource>(resources).ApiKey);
        var controlApi = await EnvironmentAsync(resources, "controlapi");
        Assert.Same(parameter, controlApi["Gilmour__ControlApi__ApiKey"]);
        Assert.Same(parameter, (await EnvironmentAsync(resources, "pythonnode"))[NodeEnvironment.ApiKey]);
        // The dashboard shows environment values: the key only ever travels as the masked parameter.
        Assert.DoesNotContain(controlApi.Values, v => v as string == key);
    }

    [Fact]
    public async Task The_sample_nodes_are_called_back_by_default_and_dial_out_when_the_app_host_setting_says_stream()
    {
        var callback = await ModelAsync();
        var python = callback.Single(r => r.Name == "pythonnode");
        var environment = await EnvironmentAsync(callback, "pythonnode");
        Assert.Equal("callback", environment["GILMOUR_TRANSPORT"]);
        Assert.True(environment.ContainsKey("PORT"), "a callback node is told the port to listen on");
        var endpoint = Assert.Single(python.Annotations.OfType<EndpointAnnotation>());
        Assert.False(endpoint.IsProxied, "the proxy must call the node back directly");

        var stream = await ModelAsync("--Gilmour:SampleNodes:Transport=stream");
        environment = await EnvironmentAsync(stream, "pythonnode");
        Assert.Equal("stream", environment["GILMOUR_TRANSPORT"]);
        Assert.False(environment.ContainsKey("PORT"));
        Assert.Empty(stream.Single(r => r.Name == "pythonnode").Annotations.OfType<EndpointAnnotation>());
    }

    [Fact]
    public async Task A_transport_the_sample_nodes_do_not_know_is_refused_with_the_ones_they_do()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => ModelAsync("--Gilmour:SampleNodes:Transport=pigeon"));

        Assert.Contains("callback or stream", error.ToString());
    }

    [Fact]
    public async Task The_bus_groups_its_services_waits_for_the_control_api_and_a_dispatcher_and_its_nodes_wait_for_it()
    {
        var resources = await ModelAsync();
        var bus = Single<GilmourResource>(resources);

        foreach (var part in new[] { "controlapi", "dispatcher", "healthmonitor", "redis" })
            Assert.Contains(resources.Single(r => r.Name == part).Annotations.OfType<ResourceRelationshipAnnotation>(),
                relation => relation.Type == "Parent" && relation.Resource == bus);
        Assert.Equal(["controlapi", "dispatcher"], bus.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name).Order());
        Assert.Contains(resources.Single(r => r.Name == "pythonnode").Annotations.OfType<WaitAnnotation>(), w => w.Resource == bus);
    }

    private static async Task<IReadOnlyList<IResource>> ModelAsync(params string[] settings)
    {
        string[] args = ["--Gilmour:Redis:Mode=executable", "--Gilmour:ControlApi:Port=0", .. settings];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Gilmour_AppHost>(args, limit.Token);
        return builder.Resources.ToList();
    }

    private static T Single<T>(IEnumerable<IResource> resources) => Assert.Single(resources.OfType<T>());

    /// <summary>The resource's environment as its callbacks describe it, values unresolved (endpoints, parameters).</summary>
    private static async Task<Dictionary<string, object>> EnvironmentAsync(IEnumerable<IResource> resources, string name)
    {
        var resource = resources.Single(r => r.Name == name);
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), resource, environment);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>()) await callback.Callback(context);
        return environment;
    }
}
