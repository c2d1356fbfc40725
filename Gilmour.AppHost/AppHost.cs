using Gilmour.AppHost;
using Gilmour.AppHost.Redis;

var builder = DistributedApplication.CreateBuilder(args);

// Container, redis-server, Garnet or external, per Gilmour:Redis:Mode and what the machine has. Every service then
// gets .WithRedis(redis): WithReference (ConnectionStrings:redis) and WaitFor (until Redis answers).
var redis = await builder.AddRedisBackboneAsync();

var dispatcher = builder.AddProject<Projects.Gilmour_Dispatcher>("dispatcher")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithRedis(redis)
    .WithServiceRuntime()
    .WithSettings(builder.Configuration, AppHostSettings.DispatcherSection);

builder.AddProject<Projects.Gilmour_HealthMonitor>("healthmonitor")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithRedis(redis)
    .WithServiceRuntime()
    .WithSettings(builder.Configuration, AppHostSettings.HealthMonitorSection);

// Not proxied: the proxy calls a node back at the address its registration came from, so the control API must see
// the node's own connection, not the orchestrator's proxy.
var controlApiPort = AppHostSettings.ControlApiPort(builder.Configuration);
var controlApi = builder.AddProject<Projects.Gilmour_ControlApi>("controlapi")
    .WithHttpEndpoint(port: controlApiPort, targetPort: controlApiPort, isProxied: false)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithRedis(redis)
    .WithServiceRuntime()
    .WithSettings(builder.Configuration, AppHostSettings.ControlApiSection, AppHostSettings.PortKey);

// The control API's URL reaches the node as services__controlapi__http__0. It also waits for a dispatcher: a
// registration is answered only once a dispatcher has made the node's subscriptions live.
var sampleNodeDirectory = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "Gilmour.SampleNode.Python"));
builder.AddExecutable("pythonnode", "python3", sampleNodeDirectory, "-u", "sample_node.py")
    .WithHttpEndpoint(env: "PORT", isProxied: false)
    .WithHttpHealthCheck("/health")
    .WithReference(controlApi)
    .WaitFor(controlApi)
    .WaitFor(dispatcher)
    .PublishAsDockerFile();

builder.Build().Run();
