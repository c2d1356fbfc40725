var builder = DistributedApplication.CreateBuilder(args);

// The Gilmour bus: Redis, the control API, the dispatcher and the health monitor.
var gilmour = builder.AddGilmour("gilmour");

// This application's own node: it finds the proxy's URL (and key) in its environment and waits for the bus.
builder.AddProject<Projects.HostingSample_Node>("reversenode")
    .WithHttpEndpoint()
    .WithHttpHealthCheck("/health")
    .WithReference(gilmour);

builder.Build().Run();
