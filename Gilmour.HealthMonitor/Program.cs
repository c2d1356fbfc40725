using Gilmour.HealthMonitor;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
// The monitor must come up (and keep retrying) while Redis is briefly unreachable, not crash at start.
builder.AddRedisClient("redis", configureOptions: redis => redis.AbortOnConnectFail = false);
builder.AddHealthMonitor();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
