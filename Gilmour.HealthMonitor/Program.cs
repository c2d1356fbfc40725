using Gilmour.HealthMonitor;
using Gilmour.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGilmourRedisClient();
builder.AddHealthMonitor();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
