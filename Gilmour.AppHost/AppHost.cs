var builder = DistributedApplication.CreateBuilder(args);

var redis = builder.AddRedis("redis");

builder.AddProject<Projects.Gilmour_ControlApi>("controlapi").WithReference(redis).WaitFor(redis);
builder.AddProject<Projects.Gilmour_Dispatcher>("dispatcher").WithReference(redis).WaitFor(redis);
builder.AddProject<Projects.Gilmour_HealthMonitor>("healthmonitor").WithReference(redis).WaitFor(redis);

builder.Build().Run();
